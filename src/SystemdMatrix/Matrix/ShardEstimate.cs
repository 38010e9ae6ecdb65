using SystemdMatrix.Model;

namespace SystemdMatrix.Matrix;

/// <summary>
/// What the estimate assumes: how much faster a VM host runs under KVM than under this machine's TCG (cells and
/// host boots alike), how many VMs a runner boots side by side, how many cells each host boots at once, and the
/// fixed cost of a shard job (checkout, build, cache restore).
/// </summary>
public sealed record EstimateAssumptions
{
    /// <summary>KVM against TCG for a boot-heavy guest: 5x is the low end of what qemu's own numbers and the sandbox bench suggest.</summary>
    public double KvmSpeedup { get; init; } = 5;

    /// <summary>A hosted ubuntu-24.04 runner has 4 vCPUs and 16 GB: two VMs of 2 vCPUs and 2 GB each.</summary>
    public int ParallelVms { get; init; } = 2;

    public int CellsPerVm { get; init; } = 2;

    /// <summary>Cells at once on a sandbox or local engine (two per core of a 4-core runner).</summary>
    public int CellsPerEngine { get; init; } = 8;

    /// <summary>A VM host's boot under TCG here (measured: 38 to 64 s), scaled by <see cref="KvmSpeedup"/>.</summary>
    public double VmBootSeconds { get; init; } = 60;

    /// <summary>Checkout, SDK, build, cache restore and the results upload of one shard job, with a warm cache.</summary>
    public double JobOverheadSeconds { get; init; } = 300;
}

/// <summary>One shard's expected wall time, and what it is made of.</summary>
public sealed record ShardWall(int Shard, int Cells, int VmBoots, double VmSeconds, double EngineSeconds, double WallSeconds);

/// <summary>
/// The nightly's wall time over N shards, from measured per-cell times (the committed reference results, under TCG
/// for VM cells) and stated assumptions about KVM: the shards <see cref="CellShards"/> would make, each one's VM
/// groups booted side by side and its sandbox or local cells at the engine's parallelism, plus a job's fixed cost.
/// </summary>
public static class ShardEstimate
{
    public static IReadOnlyList<ShardWall> Estimate(IReadOnlyList<Cell> cells, int shards, Func<Cell, double> tcgSeconds, EstimateAssumptions assumptions)
    {
        double Kvm(Cell cell) => cell.Host.Kind == HostKind.Vm ? tcgSeconds(cell) / assumptions.KvmSpeedup : tcgSeconds(cell);
        var parts = CellShards.Partition(cells, shards, Kvm);
        return [.. parts.Select((part, i) =>
        {
            var groups = part.GroupBy(c => (c.Host, c.Daemon)).ToList();
            var vmGroups = groups.Where(g => g.Key.Host.Kind == HostKind.Vm).ToList();
            var vmBoot = assumptions.VmBootSeconds / assumptions.KvmSpeedup;
            // Each VM group is one boot and its cells two at a time; groups go side by side, ParallelVms at once.
            var vm = vmGroups.Sum(g => vmBoot + g.Sum(Kvm) / assumptions.CellsPerVm) / assumptions.ParallelVms;
            var engines = groups.Where(g => g.Key.Host.Kind != HostKind.Vm).Sum(g => CellShards.HostCost(g.Key.Host) + g.Sum(Kvm) / assumptions.CellsPerEngine);
            return new ShardWall(i + 1, part.Count, vmGroups.Count, vm, engines, assumptions.JobOverheadSeconds + vm + engines);
        })];
    }
}
