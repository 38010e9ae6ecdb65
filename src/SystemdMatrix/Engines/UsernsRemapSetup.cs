using System.Globalization;
using SystemdMatrix.Processes;

namespace SystemdMatrix.Engines;

/// <summary>The user a remapping daemon maps container root to, and the first host uid and gid of its ranges.</summary>
public sealed record RemapUser(string Name, long FirstUid, long FirstGid, IReadOnlyList<string> Created);

/// <summary>
/// <c>"userns-remap": "default"</c> maps container root to the user <c>dockremap</c> and its ranges in
/// <c>/etc/subuid</c> and <c>/etc/subgid</c>. The harness makes sure they exist before such an engine starts (and says
/// what it added), rather than leaving it to dockerd, so the remapped root is known and reported. They are left in
/// place afterwards: they are ordinary system configuration that other engines on the machine may rely on.
/// </summary>
public static class UsernsRemapSetup
{
    public const string User = "dockremap";
    public const long RangeSize = 65536;

    public static async Task<RemapUser> EnsureAsync(Action<string> log, CancellationToken cancellationToken, string etc = "/etc")
    {
        var created = new List<string>();
        var passwd = Path.Combine(etc, "passwd");
        if (!File.ReadLines(passwd).Any(l => l.StartsWith(User + ":", StringComparison.Ordinal)))
        {
            await ProcessRunner.RunCheckedAsync("useradd", ["--system", "--no-create-home", "--shell", "/bin/false", User], cancellationToken: cancellationToken).ConfigureAwait(false);
            created.Add($"user {User}");
        }

        var uid = EnsureRange(Path.Combine(etc, "subuid"), created);
        var gid = EnsureRange(Path.Combine(etc, "subgid"), created);
        foreach (var item in created)
        {
            log($"userns-remap: added {item}");
        }

        log($"userns-remap: container root is host uid {uid}, gid {gid} ({User})");
        return new RemapUser(User, uid, gid, created);
    }

    /// <summary>The start of the user's range in a subordinate-id file, appending a free range when it has none.</summary>
    internal static long EnsureRange(string file, List<string> created)
    {
        var lines = File.Exists(file) ? File.ReadAllLines(file).ToList() : [];
        var ranges = lines
            .Select(l => l.Split(':'))
            .Where(f => f.Length == 3 && long.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out _) && long.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out _))
            .Select(f => (Name: f[0], Start: long.Parse(f[1], CultureInfo.InvariantCulture), Count: long.Parse(f[2], CultureInfo.InvariantCulture)))
            .ToList();
        if (ranges.FirstOrDefault(r => r.Name == User) is { Name: not null } mine)
        {
            return mine.Start;
        }

        var start = Math.Max(100000, ranges.Count == 0 ? 0 : ranges.Max(r => r.Start + r.Count));
        File.AppendAllText(file, (lines.Count > 0 && !File.ReadAllText(file).EndsWith('\n') ? "\n" : string.Empty) + $"{User}:{start}:{RangeSize}\n");
        created.Add($"{User}:{start}:{RangeSize} to {file}");
        return start;
    }
}
