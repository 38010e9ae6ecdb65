using System.Globalization;
using SystemdMatrix.Model;

namespace SystemdMatrix.Matrix;

/// <summary>One of <see cref="Count"/> shards of a selection (1-based, as <c>--shard 2/3</c> spells it).</summary>
public sealed record ShardSpec(int Index, int Count)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");

    /// <summary>Reads <c>i/n</c> with 1 &lt;= i &lt;= n; the message says what is wrong.</summary>
    public static ShardSpec Parse(string text)
    {
        var parts = text.Split('/');
        return parts.Length == 2
               && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
               && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
               && count >= 1 && index >= 1 && index <= count
            ? new ShardSpec(index, count)
            : throw new MatrixException($"--shard {text}: expected I/N with 1 <= I <= N, for example 2/3");
    }
}

/// <summary>
/// Splits a selection into shards deterministically and evenly by expected cost. Cells of one host and daemon
/// profile stay together where they can (each such group is one engine or VM boot), and a group is split only when it
/// alone costs more than a shard's share; groups then go, most expensive first, to the least loaded shard. The same
/// cells and costs give the same shards on every machine, so shards of one run never overlap and together hold every cell.
/// </summary>
public static class CellShards
{
    /// <summary>What booting a group's host costs before its first cell: a VM under emulation, or a sandbox engine.</summary>
    public static double HostCost(HostSpec host) => host.Kind == HostKind.Vm ? 90 : 2;

    /// <summary>A host group's expected seconds: its host's boot and its cells.</summary>
    public static double GroupCost(HostSpec host, IEnumerable<Cell> cells, Func<Cell, double> cost) => HostCost(host) + cells.Sum(cost);

    /// <summary>A cell's expected seconds when no earlier result says: a VM cell under emulation, or a sandbox cell.</summary>
    public static double DefaultCost(Cell cell) => cell.Host.Kind == HostKind.Vm ? 15 : 2;

    public static IReadOnlyList<IReadOnlyList<Cell>> Partition(IReadOnlyList<Cell> cells, int count, Func<Cell, double> cost)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var groups = cells
            .GroupBy(c => (c.Host, c.Daemon))
            .Select(g => (Key: $"{g.Key.Host.Name}/{g.Key.Daemon.Name}", Host: g.Key.Host, Cells: g.OrderBy(c => c.Id, StringComparer.Ordinal).ToList()))
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToList();
        var total = groups.Sum(g => GroupCost(g.Host, g.Cells, cost));
        var share = total / count;

        var chunks = new List<(string Key, double Cost, List<Cell> Cells)>();
        foreach (var group in groups)
        {
            var groupCost = GroupCost(group.Host, group.Cells, cost);
            var pieces = Math.Clamp((int)Math.Ceiling(groupCost / share - 1e-9), 1, Math.Min(count, group.Cells.Count));
            for (var piece = 0; piece < pieces; piece++)
            {
                // Every piece boots the host again; cells are dealt round-robin so pieces cost about the same.
                var part = group.Cells.Where((_, i) => i % pieces == piece).ToList();
                chunks.Add(($"{group.Key}#{piece}", GroupCost(group.Host, part, cost), part));
            }
        }

        var shards = Enumerable.Range(0, count).Select(_ => (Load: 0.0, Cells: new List<Cell>())).ToArray();
        foreach (var chunk in chunks.OrderByDescending(c => c.Cost).ThenBy(c => c.Key, StringComparer.Ordinal))
        {
            var lightest = Enumerable.Range(0, count).OrderBy(i => shards[i].Load).ThenBy(i => i).First();
            shards[lightest] = (shards[lightest].Load + chunk.Cost, [.. shards[lightest].Cells, .. chunk.Cells]);
        }

        return [.. shards.Select(s => (IReadOnlyList<Cell>)s.Cells)];
    }

    /// <summary>
    /// The order in which a run starts its host groups when several boot side by side (VMs): most expensive first, so
    /// that the last groups to start are short ones and no VM slot idles while one long group finishes (longest
    /// processing time first). Ties go by host and profile name, so the order is the same on every machine.
    /// </summary>
    public static IReadOnlyList<T> LongestFirst<T>(IEnumerable<T> groups, Func<T, (HostSpec Host, DaemonProfile Daemon, IReadOnlyList<Cell> Cells)> parts, Func<Cell, double> cost) =>
        [.. groups
            .Select(g => (Group: g, Parts: parts(g)))
            .OrderByDescending(g => GroupCost(g.Parts.Host, g.Parts.Cells, cost))
            .ThenBy(g => $"{g.Parts.Host.Name}/{g.Parts.Daemon.Name}", StringComparer.Ordinal)
            .Select(g => g.Group)];

    /// <summary>Each shard's expected seconds, for the run's log and the nightly's estimate.</summary>
    public static IReadOnlyList<double> Loads(IReadOnlyList<IReadOnlyList<Cell>> shards, Func<Cell, double> cost) =>
        [.. shards.Select(s => s.GroupBy(c => (c.Host, c.Daemon)).Sum(g => HostCost(g.Key.Host)) + s.Sum(cost))];
}
