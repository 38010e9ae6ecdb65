using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;

namespace SystemdMatrix.Snapshots;

public enum SnapshotState
{
    Matches,
    Missing,
    Differs,

    /// <summary>No snapshot of this host class is approved at all: a host nobody has reviewed yet, not a regression of the approved ones.</summary>
    NewHostClass,
}

/// <summary>The outcome of comparing a boot with its approved snapshot; on a mismatch the received text is on disk.</summary>
public sealed record SnapshotComparison(SnapshotState State, string ApprovedPath, string ReceivedPath, string Diff)
{
    public string Describe() => State switch
    {
        SnapshotState.Matches => $"matches {ApprovedPath}",
        SnapshotState.Missing => $"no approved snapshot at {ApprovedPath}; received {ReceivedPath}. Review it, then approve with: dotnet cake --target=Approve",
        SnapshotState.NewHostClass => $"new host class {Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(ApprovedPath))))}: no snapshot of it is approved yet; received {ReceivedPath}. Review this class's snapshots, then approve with: dotnet cake --target=Approve",
        _ => $"differs from {ApprovedPath} (received {ReceivedPath}; approve with: dotnet cake --target=Approve):\n{Diff}",
    };
}

/// <summary>
/// Approved snapshots under <c>fixtures/snapshots/</c>. A comparison that fails leaves <c>NAME.received.txt</c> beside
/// the approved file (ignored by git); approving renames received files over approved ones.
/// </summary>
public sealed class SnapshotStore(string fixturesRoot)
{
    public string Root { get; } = Path.Combine(fixturesRoot, "snapshots");

    public string ApprovedPath(SnapshotKey key) => Path.Combine(Root, key.RelativePath);

    public static string ReceivedPath(string approvedPath) => approvedPath[..^4] + ".received.txt";

    public SnapshotComparison Compare(SnapshotKey key, string received)
    {
        var approvedPath = ApprovedPath(key);
        var receivedPath = ReceivedPath(approvedPath);
        if (File.Exists(approvedPath) && File.ReadAllText(approvedPath) == received)
        {
            File.Delete(receivedPath);
            return new SnapshotComparison(SnapshotState.Matches, approvedPath, receivedPath, string.Empty);
        }

        var classKnown = IsApprovedClass(key.HostKey);
        Directory.CreateDirectory(Path.GetDirectoryName(receivedPath)!);
        File.WriteAllText(receivedPath, received);
        return File.Exists(approvedPath)
            ? new SnapshotComparison(SnapshotState.Differs, approvedPath, receivedPath, Diff(File.ReadAllText(approvedPath), received))
            : new SnapshotComparison(classKnown ? SnapshotState.Missing : SnapshotState.NewHostClass, approvedPath, receivedPath, string.Empty);
    }

    /// <summary>Whether any snapshot of this host class is approved.</summary>
    public bool IsApprovedClass(string hostKey)
    {
        var folder = Path.Combine(Root, hostKey);
        return Directory.Exists(folder) && Directory.EnumerateFiles(folder, "*.txt", SearchOption.AllDirectories).Any(f => !f.EndsWith(".received.txt", StringComparison.Ordinal));
    }

    /// <summary>Moves every received snapshot over its approved one; returns the approved paths.</summary>
    public IReadOnlyList<string> ApproveAll()
    {
        if (!Directory.Exists(Root))
        {
            return [];
        }

        var approved = new List<string>();
        foreach (var received in Directory.EnumerateFiles(Root, "*.received.txt", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var target = received[..^".received.txt".Length] + ".txt";
            File.Move(received, target, overwrite: true);
            approved.Add(target);
        }

        return approved;
    }

    /// <summary>Every approved snapshot's key.</summary>
    public IReadOnlyList<SnapshotKey> Approved() =>
        !Directory.Exists(Root)
            ? []
            : Directory.EnumerateFiles(Root, "*.txt", SearchOption.AllDirectories)
                .Select(p => SnapshotKey.FromRelativePath(Path.GetRelativePath(Root, p)))
                .OfType<SnapshotKey>()
                .OrderBy(k => k.RelativePath, StringComparer.Ordinal)
                .ToList();

    public static string Diff(string approved, string received)
    {
        var diff = InlineDiffBuilder.Diff(approved, received);
        var lines = diff.Lines
            .Where(l => l.Type is ChangeType.Inserted or ChangeType.Deleted)
            .Select(l => (l.Type == ChangeType.Inserted ? "+ " : "- ") + l.Text)
            .Take(40);
        return string.Join('\n', lines);
    }
}
