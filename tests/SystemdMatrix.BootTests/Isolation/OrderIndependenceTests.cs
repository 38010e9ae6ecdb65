using SystemdMatrix.Isolation;
using SystemdMatrix.Model;
using SystemdMatrix.Reporting;
using SystemdMatrix.Results;
using SystemdMatrix.Runs;

namespace SystemdMatrix.BootTests.Isolation;

/// <summary>
/// A verdict is a fact about a configuration, not about what ran before or beside it: the same cells, cells that can
/// write the host's cgroup tree mixed with cells that cannot, booted twice on fresh engines, once in matrix order with
/// the usual parallelism and once shuffled one at a time, end the same way: verdict, signature, state and what they
/// wrote of the host's tree.
/// </summary>
[NonParallelizable]
public sealed class OrderIndependenceTests
{
    private static readonly CgroupnsMode[] Namespaces = [CgroupnsMode.EngineDefault, CgroupnsMode.Host, CgroupnsMode.Private];
    private static readonly CgroupMount[] Mounts = [CgroupMount.None, CgroupMount.ReadOnlyBind, CgroupMount.ReadWriteBind];

    private static IReadOnlyList<Cell> Cells(HostSpec host, IReadOnlyList<string> images) =>
        [.. from image in images
            from cgroupns in Namespaces
            from mount in Mounts
            select new Cell(image, DaemonProfile.Default, new RunProfile(cgroupns, mount, Privilege.None, Tmpfs: true), []) { Host = host }];

    [Test]
    [CancelAfter(600_000)]
    public async Task On_the_sandbox_order_and_neighbours_do_not_change_a_verdict(CancellationToken cancellationToken)
    {
        if (!BootEnvironment.AllowHostWrites)
        {
            Assert.Ignore("skipped: half of these cells write this machine's cgroup tree; SYSTEMD_MATRIX_ALLOW_HOST_WRITES=1 (--allow-host-writes=true) runs them");
        }

        await AssertSameVerdictsAsync(HostSpec.Sandbox, ["debian-bookworm", "seed-replica"], parallelism: MatrixRunOptions.DefaultParallelism, cancellationToken);
    }

    [Test]
    [CancelAfter(1_800_000)]
    public async Task On_a_v2_vm_host_order_and_neighbours_do_not_change_a_verdict(CancellationToken cancellationToken) =>
        // Two at a time although a VM host has one vCPU by default: cells that cannot write the host's tree still
        // share it (and do, with run --vm-cpus 2), so neighbours are part of what must not change a verdict.
        await AssertSameVerdictsAsync(BootEnvironment.Definition.Hosts["vm-bullseye-v2"], ["seed-replica"], parallelism: 2, cancellationToken);

    private static async Task AssertSameVerdictsAsync(HostSpec host, IReadOnlyList<string> imageNames, int parallelism, CancellationToken cancellationToken)
    {
        var images = new List<SystemdMatrix.Images.ImageFacts>();
        foreach (var name in imageNames)
        {
            images.Add((await BootEnvironment.ImageAsync(name)).Facts ?? throw new InconclusiveException($"image {name} is unavailable"));
        }

        var cells = Cells(host, imageNames);
        var (inOrder, identity) = await BootAsync(host, images, cells, parallelism, cancellationToken);

        var shuffled = cells.ToArray();
        var seed = Environment.TickCount;
        new Random(seed).Shuffle(shuffled);
        TestContext.Out.WriteLine($"shuffled with seed {seed}: {string.Join(", ", shuffled.Select(c => c.Id))}");
        var (alone, _) = await BootAsync(host, images, shuffled, parallelism: 1, cancellationToken);

        var (flips, missing, compared) = VerdictComparison.Compare([inOrder, alone]);
        foreach (var row in inOrder.OrderBy(r => r.Cell.Id, StringComparer.Ordinal))
        {
            TestContext.Out.WriteLine($"{row.Cell.Id}: {VerdictComparison.Essence(row.Verdict)}");
        }

        Assert.That(missing, Is.Empty);
        Assert.That(compared, Is.EqualTo(cells.Count));
        Assert.That(flips.Select(f => $"{f.CellId}: {string.Join(" | ", f.Verdicts)}"), Is.Empty, "verdicts that depend on order or neighbours");
        Assert.That(inOrder.Select(r => r.Verdict.Kind), Has.Some.EqualTo(VerdictKind.Booted).And.Some.EqualTo(VerdictKind.Failed), "the set mixes cells that boot and cells that fail");
        Assert.That(cells.Select(c => HostWriteClassifier.Reason(c, identity) is not null), Has.Some.True.And.Some.False,
            "the set mixes cells that can write the host's tree with cells that cannot");
    }

    /// <summary>Boots the cells on a fresh engine of their host (a new sandbox engine, or a newly booted VM) and removes it.</summary>
    private static async Task<(IReadOnlyList<CellRecord> Rows, HostIdentity Host)> BootAsync(HostSpec host, IReadOnlyList<SystemdMatrix.Images.ImageFacts> images, IReadOnlyList<Cell> cells, int parallelism, CancellationToken cancellationToken)
    {
        await using var session = await BootEnvironment.NewSessionAsync(host, DaemonProfile.Default, images, "order test", cancellationToken);
        var rows = new System.Collections.Concurrent.ConcurrentBag<CellRecord>();
        await Parallel.ForEachAsync(cells, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken }, async (cell, ct) =>
        {
            var outcome = await session.RunAsync(cell, ct);
            Assert.That(outcome.Verdict.Kind, Is.Not.EqualTo(VerdictKind.InfrastructureError), outcome.Verdict.Message);
            rows.Add(CellRecord.Booted(outcome, null));
        });
        return ([.. rows], session.Host);
    }
}
