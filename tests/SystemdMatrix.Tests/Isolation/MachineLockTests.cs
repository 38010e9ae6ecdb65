using System.Diagnostics;
using SystemdMatrix.Isolation;
using SystemdMatrix.Processes;

namespace SystemdMatrix.Tests.Isolation;

public sealed class MachineLockTests
{
    /// <summary>
    /// Another process (util-linux's <c>flock</c>, which has not written itself down as the harness's holder, so it is
    /// nobody this process shares with) holds the lock: the harness says it waits, and goes on exactly when that
    /// process ends (its <c>cat</c> ends when its input closes).
    /// </summary>
    [Test]
    [CancelAfter(60_000)]
    public async Task A_run_waits_for_an_unrelated_holder_says_so_and_goes_on_when_it_ends(CancellationToken cancellationToken)
    {
        var directory = Path.Combine(Path.GetTempPath(), "smx-lock-" + Guid.NewGuid().ToString("N")[..8]);
        var machineLock = new MachineLock(directory);
        Directory.CreateDirectory(directory);
        using var holder = Process.Start(new ProcessStartInfo("flock", [machineLock.LockFile, "-c", "echo locked; exec cat"])
        {
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
        })!;
        try
        {
            Assert.That(await holder.StandardOutput.ReadLineAsync(cancellationToken), Is.EqualTo("locked"));
            var waiting = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);

            var acquiring = machineLock.AcquireAsync(line => waiting.TrySetResult(line), cancellationToken);
            // Either it says it waits, or it finished (got the lock, or failed): the latter is this test failing.
            await Task.WhenAny(waiting.Task, acquiring).WaitAsync(cancellationToken);
            Assert.That(acquiring.IsCompleted, Is.False, () => $"took a lock another process holds, or failed: {acquiring.Exception}");
            var said = await waiting.Task;

            Assert.That(said, Does.StartWith("waiting: this machine's cgroup tree is in use by another systemd-matrix run"));

            holder.StandardInput.Close();
            await acquiring;

            Assert.That(File.ReadAllText(Path.Combine(directory, "this-machine.holder")), Is.EqualTo(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            await machineLock.AcquireAsync(_ => Assert.Fail("held already: nothing to wait for"), cancellationToken);
        }
        finally
        {
            if (!holder.HasExited)
            {
                holder.Kill(entireProcessTree: true);
            }

            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public void A_process_started_by_the_holder_is_its_descendant_and_an_unrelated_one_is_not()
    {
        var self = Environment.ProcessId;
        Assert.That(MachineLock.IsAncestor(self, self), Is.True);
        Assert.That(MachineLock.IsAncestor(Posix.ParentPid(self)!.Value, self), Is.True);
        Assert.That(MachineLock.IsAncestor(self, Posix.ParentPid(self)!.Value), Is.False);
    }
}
