using SystemdMatrix.Matrix;
using SystemdMatrix.Model;

namespace SystemdMatrix.Tests.Matrix;

public sealed class ShardEstimateTests
{
    private static readonly IReadOnlyList<Cell> Cells =
    [
        .. Enumerable.Range(0, 40).Select(i => new Cell("debian-bookworm", DaemonProfile.Default, RunProfile.Default.WithTmpfs(i % 2 == 0), []) { Host = HostSpec.Vm(i < 20 ? "forky" : "trixie", HostCgroupMode.V2) } with { Run = new RunProfile((CgroupnsMode)(i % 3), (CgroupMount)(i % 4), Privilege.None, i % 2 == 0) }),
        .. Enumerable.Range(0, 10).Select(i => new Cell("debian-bookworm", DaemonProfile.Default, new RunProfile((CgroupnsMode)(i % 3), (CgroupMount)(i % 4), Privilege.None, i % 2 == 0), [])),
    ];

    private static double TcgSeconds(Cell cell) => cell.Host.Kind == HostKind.Vm ? 10 : 0.5;

    [Test]
    public void More_shards_and_a_faster_accelerator_each_shorten_the_slowest_shard()
    {
        var assumptions = new EstimateAssumptions { JobOverheadSeconds = 0 };
        double Slowest(int shards, EstimateAssumptions a) => ShardEstimate.Estimate(Cells.DistinctBy(c => c.Id).ToList(), shards, TcgSeconds, a).Max(w => w.WallSeconds);
        Assert.Multiple(() =>
        {
            Assert.That(Slowest(2, assumptions), Is.LessThan(Slowest(1, assumptions)));
            Assert.That(Slowest(1, assumptions with { KvmSpeedup = 10 }), Is.LessThan(Slowest(1, assumptions)));
            Assert.That(Slowest(1, assumptions with { JobOverheadSeconds = 300 }), Is.EqualTo(Slowest(1, assumptions) + 300).Within(1e-9));
        });
    }

    [Test]
    public void One_shard_is_every_vm_group_booted_once_and_its_cells_at_the_stated_parallelism()
    {
        var cells = Cells.DistinctBy(c => c.Id).ToList();
        var wall = ShardEstimate.Estimate(cells, 1, TcgSeconds, new EstimateAssumptions { JobOverheadSeconds = 0 }).Single();
        var vmCells = cells.Count(c => c.Host.Kind == HostKind.Vm);
        Assert.Multiple(() =>
        {
            Assert.That(wall.Cells, Is.EqualTo(cells.Count));
            Assert.That(wall.VmBoots, Is.EqualTo(2), "forky and trixie, one profile each");
            // (2 boots x 60 s / 5 + cells x 10 s / 5 / 2 at once) / 2 VMs side by side.
            Assert.That(wall.VmSeconds, Is.EqualTo(((2 * 60 / 5.0) + (vmCells * 10 / 5.0 / 2)) / 2).Within(1e-9));
            Assert.That(wall.EngineSeconds, Is.EqualTo(CellShards.HostCost(HostSpec.Sandbox) + ((cells.Count - vmCells) * 0.5 / 8)).Within(1e-9));
        });
    }
}
