using SystemdMatrix.Boot;
using SystemdMatrix.Engines;
using SystemdMatrix.Model;
using SystemdMatrix.Processes;

namespace SystemdMatrix.BootTests.Engines;

public sealed class SandboxEngineTests
{
    [Test]
    [CancelAfter(120_000)]
    public async Task Engine_is_reachable_only_through_a_root_only_socket_and_leaves_nothing_behind(CancellationToken cancellationToken)
    {
        SandboxPaths paths;
        await using (var engine = await SandboxEngine.StartAsync(new SandboxEngineOptions(DaemonProfile.Default, "engine test"), BootEnvironment.Log, cancellationToken))
        {
            paths = engine.Paths;
            var stateMode = File.GetUnixFileMode(paths.StateDirectory);
            Assert.That(stateMode, Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute), "state folder must be owner-only");
            Assert.That(File.Exists(paths.Socket), Is.True);

            var dockerd = Posix.AllPids().Single(p => Posix.CommandLine(p) is { Count: > 0 } c && c[0].EndsWith("dockerd", StringComparison.Ordinal) && c.Contains(paths.ConfigFile));
            var args = Posix.CommandLine(dockerd);
            Assert.That(args, Has.None.Contains("tcp://"), "the engine must never listen on TCP");
            Assert.That(args, Does.Contain($"unix://{paths.Socket}"));

            Assert.That(engine.Info.CgroupDriver, Is.EqualTo("cgroupfs"));
            Assert.That(engine.Info.Labels, Does.Contain($"{DaemonConfig.EngineLabel}={paths.Id}"));
            Assert.That(engine.Endpoint.ApiVersion, Is.LessThanOrEqualTo(EngineApi.ClientMaxApiVersion));
            Assert.That(engine.Identity.Kind, Is.EqualTo(HostKind.Sandbox));
            Assert.That(engine.Identity.CgroupMode, Is.EqualTo(HostCgroupProbe.DetectLocal()));
        }

        AssertNothingLeft(paths);
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task Two_engines_run_side_by_side_and_see_only_their_own_containers(CancellationToken cancellationToken)
    {
        var image = await BootEnvironment.ImageAsync("debian-bookworm");
        Assume.That(image.IsAvailable, Is.True, image.Reason);
        SandboxPaths a, b;
        await using (var first = await BootEnvironment.NewSessionAsync(HostSpec.Sandbox, DaemonProfile.Default, [image.Facts!], "coexistence test A", cancellationToken))
        await using (var second = await BootEnvironment.NewSessionAsync(HostSpec.Sandbox, DaemonProfile.Default, [image.Facts!], "coexistence test B", cancellationToken))
        {
            a = ((SandboxEngine)first.Engine).Paths;
            b = ((SandboxEngine)second.Engine).Paths;
            Assert.That(a.Socket, Is.Not.EqualTo(b.Socket));

            var cell = new Cell("debian-bookworm", DaemonProfile.Default, new RunProfile(CgroupnsMode.Host, CgroupMount.ReadWriteBind, Privilege.None, true), []);
            var outcomes = await Task.WhenAll(first.RunAsync(cell, cancellationToken), second.RunAsync(cell, cancellationToken));
            Assert.That(outcomes.Select(o => o.Verdict.Kind), Is.All.EqualTo(VerdictKind.Booted), string.Join("; ", outcomes.Select(o => o.Verdict.Summary)));

            // Each engine is its own world: a container started on one is invisible to the other.
            var cliA = new DockerCli(first.Engine.Endpoint);
            var cliB = new DockerCli(second.Engine.Endpoint);
            var started = (await cliA.RunCheckedAsync(["run", "-d", "--network", "none", "--entrypoint", "sleep", image.Facts!.Tag, "60"], cancellationToken: cancellationToken)).StandardOutput.Trim();
            var onB = (await cliB.RunCheckedAsync(["ps", "-aq", "--no-trunc"], cancellationToken: cancellationToken)).StandardOutput;
            Assert.That(onB, Does.Not.Contain(started));
        }

        AssertNothingLeft(a);
        AssertNothingLeft(b);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Engine_refuses_privileged_here_and_the_harness_reports_it_as_a_refusal(CancellationToken cancellationToken)
    {
        var image = await BootEnvironment.ImageAsync("debian-bookworm");
        Assume.That(image.IsAvailable, Is.True, image.Reason);
        var session = await BootEnvironment.SessionAsync(DaemonProfile.Default, [image.Facts!]);
        var cell = new Cell("debian-bookworm", DaemonProfile.Default, RunProfile.Default.WithPrivilege(Privilege.Privileged), []);

        var outcome = await session.RunAsync(cell, cancellationToken);

        // The brief measured this machine's bounding set lacking a capability, so runc cannot apply --privileged's
        // full set; on a machine that has it the cell boots. Either way it is decided by the engine, never a guess.
        if (HasFullCapabilityBoundingSet())
        {
            Assert.That(outcome.Verdict.Kind, Is.EqualTo(VerdictKind.Booted), outcome.Verdict.Summary);
        }
        else
        {
            Assert.That(outcome.Verdict.Kind, Is.EqualTo(VerdictKind.EngineRefused), outcome.Verdict.Summary);
            Assert.That(outcome.Verdict.Message, Does.Contain("unable to apply caps"));
        }
    }

    internal static bool HasFullCapabilityBoundingSet()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("CapBnd:", StringComparison.Ordinal));
        var mask = Convert.ToUInt64(line.Split(':')[1].Trim(), 16);
        var lastCap = int.Parse(File.ReadAllText("/proc/sys/kernel/cap_last_cap").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var full = lastCap >= 63 ? ulong.MaxValue : (1UL << (lastCap + 1)) - 1;
        return (mask & full) == full;
    }

    internal static void AssertNothingLeft(SandboxPaths paths)
    {
        var processes = Posix.AllPids().Where(p => Posix.CommandLine(p).Any(a => a.Contains(paths.Id, StringComparison.Ordinal))).ToList();
        Assert.That(processes, Is.Empty, $"processes of {paths.Id} still running");
        Assert.That(EngineTeardown.MountPointsUnder([paths.StateDirectory, paths.DataRoot]), Is.Empty, $"mounts of {paths.Id} left");
        Assert.That(Directory.Exists(paths.StateDirectory), Is.False, $"{paths.StateDirectory} left");
        Assert.That(Directory.Exists(paths.DataRoot), Is.False, $"{paths.DataRoot} left");
    }
}
