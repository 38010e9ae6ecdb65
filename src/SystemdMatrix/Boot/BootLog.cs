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
        var text = Ansi().Replace(raw, string.Empty);

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

    [GeneratedRegex(@"\b[0-9a-f]{64}\b")]
    private static partial Regex ContainerId();

    [GeneratedRegex(@"(?<prefix>[Ss]et hostname to )<[^>]*>")]
    private static partial Regex HostnameSet();

    // Twelve hex digits with at least one letter and one digit: a short container id or hostname, not a word or number.
    [GeneratedRegex(@"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{12}\b")]
    private static partial Regex ShortId();

    [GeneratedRegex(@"(?<prefix>\b(?:PID|pid|process|Process)[ =])\d+\b")]
    private static partial Regex Pid();

    [GeneratedRegex(@"\b\d+(?:\.\d+)?(?:us|ms|s|min)\b(?: \d+(?:\.\d+)?(?:us|ms|s))?")]
    private static partial Regex Duration();

    [GeneratedRegex(@"Reached target .*Multi-User System")]
    private static partial Regex MultiUserReached();
}
