using SystemdMatrix.Matrix;
using SystemdMatrix.Model;
using SystemdMatrix.Reporting;

namespace SystemdMatrix.Tests.Matrix;

public sealed class CellShardsTests
{
    private static readonly MatrixDefinition Definition = SystemdMatrix.Data.ProjectData.Load(Repo.Layout).Definition;

    private static (IReadOnlyList<Cell> Cells, Func<Cell, double> Cost) V2()
    {
        return (Definition.Expand(Definition.Find("v2")), CommittedReports.CellCosts(CommittedReports.Load(Repo.Layout), "v2"));
    }

    [Test]
    public void Host_groups_start_most_expensive_first_in_the_same_order_whatever_order_they_came_in()
    {
        var (cells, cost) = V2();
        var groups = cells.GroupBy(c => (c.Host, c.Daemon)).Select(g => (g.Key.Host, g.Key.Daemon, Cells: (IReadOnlyList<Cell>)[.. g])).ToList();
        var order = CellShards.LongestFirst(groups, g => g, cost);
        var costs = order.Select(g => CellShards.GroupCost(g.Host, g.Cells, cost)).ToList();
        var reversed = CellShards.LongestFirst(Enumerable.Reverse(groups), g => g, cost);

        Assert.Multiple(() =>
        {
            Assert.That(costs, Is.Ordered.Descending);
            Assert.That(order[0].Cells, Has.Count.EqualTo(groups.Max(g => g.Cells.Count)), "a 240-cell default-profile group goes first");
            Assert.That(order[^1].Cells, Has.Count.LessThan(groups.Max(g => g.Cells.Count)));
            Assert.That(reversed.Select(g => $"{g.Host.Name}/{g.Daemon.Name}"), Is.EqualTo(order.Select(g => $"{g.Host.Name}/{g.Daemon.Name}")));
        });
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(7)]
    public void Shards_hold_every_cell_once_and_come_out_the_same_every_time(int count)
    {
        var (cells, cost) = V2();
        var shards = CellShards.Partition(cells, count, cost);
        var again = CellShards.Partition([.. cells.Reverse()], count, cost);

        Assert.Multiple(() =>
        {
            Assert.That(shards, Has.Count.EqualTo(count));
            Assert.That(shards.SelectMany(s => s).Select(c => c.Id), Is.EquivalentTo(cells.Select(c => c.Id)), "every cell, none twice");
            Assert.That(again.Select(s => s.Select(c => c.Id)), Is.EqualTo(shards.Select(s => s.Select(c => c.Id))), "the input's order does not matter");
        });
    }

    [Test]
    public void Three_shards_of_v2_cost_about_the_same_and_split_only_the_hosts_too_big_for_one_shard()
    {
        var (cells, cost) = V2();
        var shards = CellShards.Partition(cells, 3, cost);
        var loads = CellShards.Loads(shards, cost);
        var share = loads.Sum() / 3;
        var groups = cells.GroupBy(c => (c.Host, c.Daemon)).ToList();
        var split = groups.Where(g => shards.Count(s => s.Any(c => c.Host == g.Key.Host && c.Daemon == g.Key.Daemon)) > 1).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(loads.Max(), Is.LessThan(share * 1.15), $"loads {string.Join(", ", loads.Select(l => $"{l:0}"))} s");
            Assert.That(split.All(g => CellShards.GroupCost(g.Key.Host, g, cost) > share), Is.True, "a host is split only when it alone costs more than a shard's share");
            Assert.That(split, Has.Count.LessThan(groups.Count / 4), "most hosts boot in one shard only");
        });
    }

    [TestCase("0/3")]
    [TestCase("4/3")]
    [TestCase("1")]
    [TestCase("a/b")]
    [TestCase("1/0")]
    public void A_shard_that_is_not_I_of_N_is_refused_with_an_example(string text)
    {
        var ex = Assert.Throws<MatrixException>(() => ShardSpec.Parse(text));
        Assert.That(ex!.Message, Is.EqualTo($"--shard {text}: expected I/N with 1 <= I <= N, for example 2/3"));
    }

    [Test]
    public void A_shard_is_part_of_the_selection_so_shards_resume_only_themselves()
    {
        var first = CellSelector.All with { Shard = ShardSpec.Parse("1/3") };
        var second = CellSelector.All with { Shard = ShardSpec.Parse("2/3") };
        Assert.That(first.Canonical, Is.EqualTo("shard:1/3").And.Not.EqualTo(second.Canonical));
    }
}
