using System.Globalization;

namespace SystemdMatrix.Runs;

/// <summary>
/// How far a run is, per host and overall, and how long the rest will take at the rate this run has decided cells so
/// far (cells an interrupted run already decided are counted as done but not in the rate: they took no time now).
/// Thread-safe: hosts decide their cells side by side.
/// </summary>
public sealed class RunProgress
{
    private readonly object _gate = new();
    private readonly Dictionary<string, (int Done, int Total)> _hosts;
    private int _decidedNow;
    private int _reused;

    /// <param name="cellsPerHost">Every cell of the run, counted by the name of its host, in the order hosts are shown.</param>
    public RunProgress(IEnumerable<KeyValuePair<string, int>> cellsPerHost)
    {
        _hosts = cellsPerHost.ToDictionary(p => p.Key, p => (0, p.Value), StringComparer.Ordinal);
        Order = [.. _hosts.Keys];
    }

    private IReadOnlyList<string> Order { get; }

    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    /// <summary>Time since the run's cells were known (this progress was made).</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Cells done and in all, per host, in the order hosts are shown.</summary>
    public IReadOnlyList<(string Host, int Done, int Total)> Hosts
    {
        get
        {
            lock (_gate)
            {
                return [.. Order.Select(h => (h, _hosts[h].Done, _hosts[h].Total))];
            }
        }
    }

    public int Total
    {
        get
        {
            lock (_gate)
            {
                return _hosts.Values.Sum(h => h.Total);
            }
        }
    }

    public int Done
    {
        get
        {
            lock (_gate)
            {
                return _hosts.Values.Sum(h => h.Done);
            }
        }
    }

    /// <summary>A cell was decided now (booted, refused, not applicable, skipped).</summary>
    public void Decided(string host) => Count(host, reused: false);

    /// <summary>A cell an earlier, interrupted run decided.</summary>
    public void Reused(string host) => Count(host, reused: true);

    /// <summary>The time left at this run's rate, or null before the first cell is decided.</summary>
    public TimeSpan? Remaining(TimeSpan elapsed)
    {
        lock (_gate)
        {
            var left = Total - _hosts.Values.Sum(h => h.Done);
            return _decidedNow == 0 ? null : TimeSpan.FromSeconds(elapsed.TotalSeconds / _decidedNow * left);
        }
    }

    /// <summary>One line: cells done of all, per host (those not started yet are left out), elapsed and the estimate.</summary>
    public string Describe(TimeSpan elapsed)
    {
        lock (_gate)
        {
            var done = _hosts.Values.Sum(h => h.Done);
            var hosts = Order.Where(h => _hosts[h].Done > 0).Select(h => $"{h} {_hosts[h].Done}/{_hosts[h].Total}");
            var remaining = Remaining(elapsed) is { } r ? $", about {Duration(r)} left" : string.Empty;
            var reused = _reused > 0 ? $" ({_reused} from the interrupted run)" : string.Empty;
            return $"progress: {done}/{Total} cells{reused} in {Duration(elapsed)}{remaining}; {string.Join(", ", hosts)}";
        }
    }

    private void Count(string host, bool reused)
    {
        lock (_gate)
        {
            var (done, total) = _hosts.TryGetValue(host, out var h) ? h : (0, 0);
            _hosts[host] = (done + 1, Math.Max(total, done + 1));
            if (reused)
            {
                _reused++;
            }
            else
            {
                _decidedNow++;
            }
        }
    }

    private static string Duration(TimeSpan span) =>
        span.TotalMinutes >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalMinutes} min {span.Seconds:00} s")
            : string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0} s");
}
