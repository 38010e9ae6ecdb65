using System.Diagnostics;

namespace SystemdMatrix.Boot;

/// <summary>
/// Where a cell's time goes: each <see cref="Lap"/> adds the time since the previous one to a named phase (create
/// and start, reaching multi-user.target, systemctl's answer, the logs, the host-state checks, removal). Results
/// carry the phases, so a breakdown comes from any run's records rather than from a special timing build.
/// </summary>
public sealed class PhaseClock
{
    private readonly Stopwatch _watch = Stopwatch.StartNew();
    private readonly Dictionary<string, double> _seconds = new(StringComparer.Ordinal);
    private TimeSpan _last;

    /// <summary>The seconds spent per phase so far, rounded to milliseconds, in the order the phases first came.</summary>
    public IReadOnlyDictionary<string, double> Seconds => _seconds.ToDictionary(p => p.Key, p => Math.Round(p.Value, 3), StringComparer.Ordinal);

    public void Lap(string phase)
    {
        var now = _watch.Elapsed;
        _seconds[phase] = _seconds.GetValueOrDefault(phase) + (now - _last).TotalSeconds;
        _last = now;
    }

    /// <summary>Adds phases measured elsewhere (a session's host-state checks around the runner's own).</summary>
    public static IReadOnlyDictionary<string, double> Merge(IReadOnlyDictionary<string, double> first, IReadOnlyDictionary<string, double> second) =>
        first.Concat(second).GroupBy(p => p.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => Math.Round(g.Sum(p => p.Value), 3), StringComparer.Ordinal);
}
