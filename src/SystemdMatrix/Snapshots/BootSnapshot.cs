using System.Globalization;
using System.Text;
using SystemdMatrix.Boot;
using SystemdMatrix.Model;

namespace SystemdMatrix.Snapshots;

/// <summary>Where a cell's approved snapshot lives: per host identity, daemon profile, image and run profile.</summary>
public sealed record SnapshotKey(string HostKey, string Daemon, string Image, string RunKey)
{
    public static SnapshotKey For(Cell cell, HostIdentity host) => new(host.ClassKey, cell.Daemon.Name, cell.Image, cell.Run.Key);

    public string RelativePath => $"{HostKey}/{Daemon}/{Image}/{RunKey}.txt";

    public static SnapshotKey? FromRelativePath(string relativePath)
    {
        var parts = relativePath.Replace('\\', '/').Split('/');
        return parts.Length == 4 && parts[3].EndsWith(".txt", StringComparison.Ordinal) && !parts[3].EndsWith(".received.txt", StringComparison.Ordinal)
            ? new SnapshotKey(parts[0], parts[1], parts[2], parts[3][..^4])
            : null;
    }
}

/// <summary>
/// The reviewable text a cell's boot is approved as: the verdict fields first (what the tables say), then the
/// console lines in their stable form. Volatile text (ids, pids, durations, timing-dependent order) is already gone.
/// </summary>
public static class BootSnapshot
{
    public const string ConsoleHeader = "--- console (normalised; distinct lines sorted, since systemd starts units in parallel) ---";

    public static string Render(CellOutcome outcome, string? systemdVersion)
    {
        var v = outcome.Verdict;
        var text = new StringBuilder();
        void Field(string name, string? value) => text.Append(name).Append(": ").Append(value ?? string.Empty).Append('\n');

        Field("cell", outcome.Cell.Id);
        Field("host", outcome.Host.ClassKey);
        Field("image", $"{outcome.Cell.Image} (systemd {systemdVersion ?? "?"})");
        Field("run", ContainerSpec.For(outcome.ImageTag, outcome.Cell.Run).Equivalent());
        Field("verdict", AxisNames.Of(v.Kind));
        Field("state", v.SystemState);
        Field("failed-units", string.Join(' ', v.FailedUnits));
        Field("signature", v.Signature);
        Field("exit-code", v.ExitCode?.ToString(CultureInfo.InvariantCulture));
        Field("message", v.Message);
        foreach (var line in v.DecisiveLines)
        {
            Field("decisive", line);
        }

        foreach (var line in v.Observations)
        {
            Field("observed", line);
        }

        if (v.OnUnusedHost is { } unused)
        {
            Field("on-unused-host", unused);
        }

        foreach (var line in v.HostWrites)
        {
            Field("wrote-host", line);
        }

        text.Append(ConsoleHeader).Append('\n');
        foreach (var line in BootLog.SnapshotLines(outcome.NormalisedLog))
        {
            text.Append(line).Append('\n');
        }

        return text.ToString();
    }
}
