using SystemdMatrix.Isolation;
using SystemdMatrix.Model;

namespace SystemdMatrix.Tests.Isolation;

public sealed class CellGateTests
{
    [Test]
    public async Task A_cell_that_runs_alone_waits_for_the_running_ones_and_holds_back_the_next()
    {
        var gate = new CellGate(capacity: 4);
        var first = await gate.EnterAsync(alone: false, CancellationToken.None);
        var second = await gate.EnterAsync(alone: false, CancellationToken.None);

        var alone = gate.EnterAsync(alone: true, CancellationToken.None);
        Assert.That(alone.IsCompleted, Is.False, "two cells are still running");
        await first.DisposeAsync();
        Assert.That(alone.IsCompleted, Is.False, "one cell is still running");
        await second.DisposeAsync();
        var writer = await alone;

        var next = gate.EnterAsync(alone: false, CancellationToken.None);
        Assert.That(next.IsCompleted, Is.False, "nothing starts beside a cell that runs alone");
        await writer.DisposeAsync();
        await (await next).DisposeAsync();
    }

    [Test]
    public async Task Cancelling_a_wait_to_run_alone_gives_back_what_it_had_taken()
    {
        var gate = new CellGate(capacity: 2);
        var running = await gate.EnterAsync(alone: false, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var alone = gate.EnterAsync(alone: true, cancel.Token);
        await cancel.CancelAsync();
        Assert.That(async () => await alone, Throws.InstanceOf<OperationCanceledException>());
        await running.DisposeAsync();

        var both = new[] { await gate.EnterAsync(alone: false, CancellationToken.None), await gate.EnterAsync(alone: false, CancellationToken.None) };
        Assert.That(both, Has.Length.EqualTo(2), "both slots are free again");
    }

    [Test]
    public void The_harness_subtree_is_read_from_proc_self_cgroup()
    {
        var hybrid = LocalCgroupTree.OwnSubtrees(["4:memory:/process_api/2fb772f8", "9:name=systemd:/", "0::/user.slice/user-0.slice/session-3.scope"], HostCgroupMode.Hybrid);
        Assert.That(hybrid, Is.EqualTo(new[] { "memory/process_api", "unified/user.slice" }));
        Assert.That(LocalCgroupTree.OwnSubtrees(["0::/user.slice/user-0.slice"], HostCgroupMode.V2), Is.EqualTo(new[] { "user.slice" }));
    }
}
