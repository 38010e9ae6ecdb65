using System.Text.RegularExpressions;

namespace SystemdMatrix.Boot;

/// <summary>
/// Turns a raw systemd console capture into stable text: no colour or cursor codes, no carriage returns, and no
/// values that change from run to run (container ids, hostnames, pids, durations). Two boots of the same cell on
/// the same host normalise to text that can be compared with an approved snapshot.
/// </summary>
public static partial class BootLog
{
    /// <summary>The console line systemd prints when the boot reaches the target the harness waits for.</summary>
    public static bool IsMultiUserReached(string normalisedLine) => MultiUserReached().IsMatch(normalisedLine);

    public static IReadOnlyList<string> Lines(string raw) =>
        Normalise(raw).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public static string Normalise(string raw)
    {
        // systemd elides long status lines to the terminal width, sometimes inside an escape sequence: whatever is
        // left of a cut sequence (a bare ESC, or ESC[ with parameters) goes too.
        var text = DanglingEscape().Replace(Ansi().Replace(raw, string.Empty), string.Empty);

        var lines = new List<string>();
        foreach (var physical in text.Split('\n'))
        {
            // A TTY ends lines with "\r\n" (systemd writes "\r\n" itself, the terminal adds another "\r"); a carriage
            // return inside a line rewrites it in place (systemd's progress spinner): keep what was left visible.
            var trimmed = physical.TrimEnd('\r');
            var visible = trimmed.Contains('\r', StringComparison.Ordinal) ? trimmed[(trimmed.LastIndexOf('\r') + 1)..] : trimmed;
            var line = NormaliseLine(visible.TrimEnd());
            if (line.Length > 0 && !IsSpinner(line))
            {
                lines.Add(line);
            }
        }

        return string.Join('\n', lines) + (lines.Count > 0 ? "\n" : string.Empty);
    }

    /// <summary>
    /// The console as a snapshot compares it: distinct lines, sorted (systemd starts units in parallel, so their
    /// order is not stable), with per-unit warnings systemd itself ignores reduced to one line per kind of message
    /// (which units hit them depends on timing).
    /// </summary>
    public static IReadOnlyList<string> SnapshotLines(string normalisedLog) =>
        normalisedLog.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(FoldPerUnitWarning)
            .Distinct(StringComparer.Ordinal)
            .OrderBy(line => line, StringComparer.Ordinal)
            .ToList();

    /// <summary>
    /// Warnings systemd prints once per unit, for whichever units happen to start while a cgroup is unusable: which
    /// ones (and their pids) depend on timing, so the snapshot keeps one line per kind of message.
    /// </summary>
    internal static string FoldPerUnitWarning(string line)
    {
        if (IgnoredUnitWarning().Match(line) is { Success: true } m)
        {
            return $"<unit>: {AbsolutePath().Replace(m.Groups["message"].Value, "<path>")}, ignoring: {m.Groups["error"].Value}";
        }

        if (CompatCgroupWarning().Match(line) is { Success: true } c)
        {
            return $"Failed to {(c.Groups["attach"].Success ? "attach <pid> to" : "create")} compat systemd cgroup <path>: {c.Groups["error"].Value}";
        }

        return line;
    }

    internal static string NormaliseLine(string line)
    {
        line = ContainerId().Replace(line, "<id>");
        line = HostnameSet().Replace(line, "${prefix}<host>");
        line = ShortId().Replace(line, "<id>");
        line = Pid().Replace(line, "${prefix}<pid>");
        line = Duration().Replace(line, "<duration>");
        return line;
    }

    /// <summary>systemd's "A start job is running for ..." spinner and its job counters change with timing, not configuration.</summary>
    private static bool IsSpinner(string line) =>
        line.Contains("A start job is running for", StringComparison.Ordinal) ||
        line.Contains("A stop job is running for", StringComparison.Ordinal);

    [GeneratedRegex(@"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][A-Za-z0-9]|\x1b[=>78cDEHM]")]
    private static partial Regex Ansi();

    [GeneratedRegex(@"\x1b(\[[0-9;?]*)?")]
    private static partial Regex DanglingEscape();

    [GeneratedRegex(@"\b[0-9a-f]{64}\b")]
    private static partial Regex ContainerId();

    [GeneratedRegex(@"(?<prefix>[Ss]et hostname to )<[^>]*>")]
    private static partial Regex HostnameSet();

    // Twelve hex digits with at least one letter and one digit: a short container id or hostname, not a word or number.
    [GeneratedRegex(@"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{12}\b")]
    private static partial Regex ShortId();

    // PID 1 is systemd itself and says something; any other pid is an accident of timing.
    [GeneratedRegex(@"(?<prefix>\b(?:PID|pid|process|Process)[ =])(?!1\b)\d+\b")]
    private static partial Regex Pid();

    [GeneratedRegex(@"\b\d+(?:\.\d+)?(?:us|ms|s|min)\b(?: \d+(?:\.\d+)?(?:us|ms|s))?")]
    private static partial Regex Duration();

    [GeneratedRegex(@"^(?<unit>[A-Za-z0-9@_.\\:-]+\.(?:slice|scope|service|socket|target|mount|timer|path|device|swap)): (?<message>.*), ignoring: (?<error>.*)$")]
    private static partial Regex IgnoredUnitWarning();

    [GeneratedRegex(@"^Failed to (?:(?<attach>attach \d+ to)|create) compat systemd cgroup /\S*: (?<error>.*)$")]
    private static partial Regex CompatCgroupWarning();

    [GeneratedRegex(@"/[^\s,:]*")]
    private static partial Regex AbsolutePath();

    [GeneratedRegex(@"Reached target .*Multi-User System")]
    private static partial Regex MultiUserReached();
}
