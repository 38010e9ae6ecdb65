using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using SystemdMatrix.BootTests.Engines;
using SystemdMatrix.Engines;
using SystemdMatrix.Processes;

namespace SystemdMatrix.BootTests.Cli;

/// <summary>
/// The main command, interrupted for real: Ctrl-C (SIGINT) must leave nothing running; a kill -9 cannot be caught,
/// so the next command must find and reap what it left.
/// </summary>
public sealed partial class InterruptionTests
{
    [Test]
    [CancelAfter(300_000)]
    public async Task Ctrl_c_in_the_middle_of_a_run_leaves_nothing_and_the_next_run_resumes(CancellationToken cancellationToken)
    {
        await BootEnvironment.ImageAsync("debian-bookworm");
        var artifacts = Path.Combine(Path.GetTempPath(), "smx-interrupt-" + Guid.NewGuid().ToString("N")[..8]);
        string[] runArgs = ["--artifacts", artifacts, "run", "--matrix", "foundation", "--parallel", "1", .. BootEnvironment.AllowHostWrites ? ["--allow-host-writes"] : Array.Empty<string>()];
        try
        {
            string engineId;
            // The run stops after its first cell and waits there until interrupted: the signal always lands
            // mid-run, however fast this machine boots the cells.
            int booting;
            using (var run = CliProcess.Start([.. runArgs, "--pause-after-cells", "1"]))
            {
                engineId = await run.WaitForAsync(EngineStarted(), cancellationToken);
                booting = int.Parse(await run.WaitForAsync(Booting(), cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
                await run.WaitForAsync(Paused(), cancellationToken);
                Posix.Signal(run.Pid, 2);
                var exit = await run.WaitForExitAsync(TimeSpan.FromSeconds(90), cancellationToken);

                Assert.That(exit, Is.EqualTo(130), run.Output);
                Assert.That(run.Output, Does.Contain("interrupted"));
            }

            SandboxEngineTests.AssertNothingLeft(SandboxPaths.For(engineId));

            using var again = CliProcess.Start(runArgs);
            var resumed = int.Parse(await again.WaitForAsync(Resumed(), cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
            Assert.That(await again.WaitForExitAsync(TimeSpan.FromSeconds(120), cancellationToken), Is.Zero, again.Output);

            Assert.That(resumed, Is.EqualTo(1), "the first run decided exactly one cell before Ctrl-C");
            Assert.That(again.Output, Does.Contain($"booting {booting - 1} cells"));
            Assert.That(File.ReadAllText(Path.Combine(artifacts, "compatibility", "foundation.md")), Does.Contain("8 cells:").And.Not.Contain("Incomplete"));
        }
        finally
        {
            Directory.Delete(artifacts, recursive: true);
        }
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task After_a_kill_9_the_next_command_reaps_the_engine_and_its_containers(CancellationToken cancellationToken)
    {
        await BootEnvironment.ImageAsync("debian-bookworm");
        string engineId;
        var artifacts = Path.Combine(Path.GetTempPath(), "smx-kill-" + Guid.NewGuid().ToString("N")[..8]);
        using (var run = CliProcess.Start("--artifacts", artifacts, "run", "--matrix", "foundation", "--parallel", "1", "--pause-after-cells", "1"))
        {
            engineId = await run.WaitForAsync(EngineStarted(), cancellationToken);
            await run.WaitForAsync(Paused(), cancellationToken);
            Posix.Signal(run.Pid, Posix.SigKill);
            await run.WaitForExitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        }

        var paths = SandboxPaths.For(engineId);
        Assert.That(Directory.Exists(paths.StateDirectory), Is.True, "a killed run cannot clean up; its engine must still be there to reap");

        using var reap = CliProcess.Start("reap");
        var exit = await reap.WaitForExitAsync(TimeSpan.FromSeconds(90), cancellationToken);

        Assert.That(exit, Is.Zero, reap.Output);
        Assert.That(reap.Output, Does.Contain($"reaped {engineId}"));
        SandboxEngineTests.AssertNothingLeft(paths);
        Directory.Delete(artifacts, recursive: true);
    }

    [GeneratedRegex(@"starting sandbox engine (?<value>smx-[0-9a-f]{8})")]
    private static partial Regex EngineStarted();

    [GeneratedRegex(@"resuming an interrupted run of foundation: (?<value>\d+) cells already decided")]
    private static partial Regex Resumed();

    [GeneratedRegex(@": booting (?<value>\d+) cells, 1 at a time")]
    private static partial Regex Booting();

    [GeneratedRegex(@"pausing after (?<value>1) cells until interrupted")]
    private static partial Regex Paused();
}
