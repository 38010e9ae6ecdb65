using System.Globalization;
using SystemdMatrix.Matrix;
using SystemdMatrix.Model;

namespace SystemdMatrix.Runs;

/// <summary>
/// How far a run is, per host and overall, and how long the rest will take. The estimate weighs every cell by its
/// expected seconds (the committed results' time, see <see cref="Reporting.CommittedReports.CellCosts"/>) and every
/// host group by its start (a boot, <see cref="CellShards.HostCost"/>, or a VM's resume from its snapshot): this run's wall time so far over the expected seconds
/// it has done, times the expected seconds left. Counting cells instead misled both ways: the cheap refusals that come
/// first made a 90-minute run look like 17, and the small groups left at the end, each with its own boot, looked
/// like a few minutes. Cells an interrupted run already decided count as done but not in the rate: they took no time
/// now. Thread-safe: hosts decide their cells side by side.
/// </summary>
public sealed class RunProgress
{
    private readonly object _gate = new();
    private readonly Dictionary<string, (int Done, int Total)> _hosts;
    private readonly Dictionary<(string Host, string Daemon), Group> _groups;
    private readonly Func<Cell, double> _cost;
    private readonly Func<Cell, double> _start;
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private int _reused;

    /// <param name="cells">Every cell of the run, hosts shown in the order they first appear.</param>
    /// <param name="cost">A cell's expected seconds.</param>
    /// <param name="start">The expected seconds before the first cell of a cell's host group (default: <see cref="CellShards.HostCost"/>).</param>
    public RunProgress(IReadOnlyList<Cell> cells, Func<Cell, double> cost, Func<Cell, double>? start = null)
    {
        _cost = cost;
        _start = start ?? (cell => CellShards.HostCost(cell.Host));
        _hosts = cells.GroupBy(c => c.Host.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => (0, g.Count()), StringComparer.Ordinal);
        Order = [.. cells.Select(c => c.Host.Name).Distinct(StringComparer.Ordinal)];
        // A group whose cells all cost nothing (all ruled out before anything starts) boots nothing either.
        _groups = cells.GroupBy(c => (c.Host.Name, c.Daemon.Name)).ToDictionary(g => g.Key, g => g.Sum(cost) is var sum && sum > 0 ? new Group(_start(g.First()), sum) : new Group(0, 0));
    }

    private IReadOnlyList<string> Order { get; }

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
    public void Decided(Cell cell) => Count(cell, reused: false);

    /// <summary>A cell an earlier, interrupted run decided.</summary>
    public void Reused(Cell cell) => Count(cell, reused: true);

    /// <summary>The time left at this run's rate per expected second, or null before the first cell is decided now.</summary>
    public TimeSpan? Remaining(TimeSpan elapsed)
    {
        lock (_gate)
        {
            // A group's boot is work done once one of its cells was decided now, and work left while cells are left
            // and none was: a group an interrupted run finished needs no boot, one it started needs a new one.
            var doneNow = _groups.Values.Sum(g => g.DecidedNow > 0 ? g.Boot + g.CostDecidedNow : 0);
            var left = _groups.Values.Sum(g => g.CostLeft + (g.DecidedNow == 0 && g.CostLeft > 0 ? g.Boot : 0));
            return doneNow <= 0 ? null : TimeSpan.FromSeconds(elapsed.TotalSeconds / doneNow * left);
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

    private void Count(Cell cell, bool reused)
    {
        lock (_gate)
        {
            var (done, total) = _hosts.TryGetValue(cell.Host.Name, out var h) ? h : (0, 0);
            _hosts[cell.Host.Name] = (done + 1, Math.Max(total, done + 1));
            var key = (cell.Host.Name, cell.Daemon.Name);
            var group = _groups.TryGetValue(key, out var g) ? g : new Group(_start(cell), _cost(cell));
            var cost = _cost(cell);
            group = group with { CostLeft = Math.Max(0, group.CostLeft - cost) };
            _groups[key] = reused ? group : group with { DecidedNow = group.DecidedNow + 1, CostDecidedNow = group.CostDecidedNow + cost };
            if (reused)
            {
                _reused++;
            }
        }
    }

    private static string Duration(TimeSpan span) =>
        span.TotalMinutes >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalMinutes} min {span.Seconds:00} s")
            : string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0} s");

    /// <summary>One host group's boot and cells, in expected seconds.</summary>
    private sealed record Group(double Boot, double CostLeft)
    {
        public int DecidedNow { get; init; }

        public double CostDecidedNow { get; init; }
    }
}
