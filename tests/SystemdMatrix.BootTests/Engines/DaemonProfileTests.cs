using SystemdMatrix.Engines;
using SystemdMatrix.Model;

namespace SystemdMatrix.BootTests.Engines;

/// <summary>Every daemon profile of matrix/matrices.json, started for real and checked against the engine's /info.</summary>
public sealed class DaemonProfileTests
{
    public static IEnumerable<TestCaseData> Profiles() =>
        BootEnvironment.Definition.Daemons.Values.Select(p => new TestCaseData(p).SetName($"daemon profile {p.Name}"));

    [TestCaseSource(nameof(Profiles))]
    [CancelAfter(180_000)]
    public async Task Profile_runs_as_its_own_engine_and_the_engine_confirms_it(DaemonProfile profile, CancellationToken cancellationToken)
    {
        var predicted = await SandboxEngine.PredictIdentityAsync(profile, cancellationToken);
        var probe = new Cell("debian-bookworm", profile, RunProfile.Default, []);
        if (BootEnvironment.Definition.NotApplicable(probe, predicted) is { } notApplicable)
        {
            Assert.That(profile.CgroupDriver, Is.EqualTo(CgroupDriver.Systemd), "only the systemd driver is ruled out by the machine");
            Assert.That(predicted.SystemdInit, Is.False);
            Assert.Ignore($"not applicable here: {notApplicable.Message}");
        }

        var image = await BootEnvironment.ImageAsync("debian-bookworm");
        var session = await BootEnvironment.SessionAsync(profile, [image.Facts!]);
        var info = session.Engine.Info;

        Assert.That(info.CgroupDriver, Is.EqualTo(AxisNames.Of(profile.DriverOn(session.Host.CgroupMode, session.Host.SystemdInit))), "the profile's driver, or the one the engine picks itself");
        Assert.That(info.UsernsRemap, Is.EqualTo(profile.UsernsRemap), string.Join(", ", info.SecurityOptions ?? []));
        Assert.That(info.Labels, Does.Contain($"org.systemd-matrix.profile={profile.Name}"));
        Assert.That(session.Host.Key, Does.Contain(profile.UsernsRemap ? "userns-remap" : "cgroupfs").Or.Contain("systemd"));
        if (profile.UsernsRemap)
        {
            // dockerd keeps a remapped engine's images under data-root/<uid>.<gid>: the remapped root in person.
            var subuid = File.ReadLines("/etc/subuid").Single(l => l.StartsWith(UsernsRemapSetup.User + ":", StringComparison.Ordinal)).Split(':')[1];
            Assert.That(info.DockerRootDir, Does.EndWith($"/{subuid}.{subuid}").Or.Contain($"/{subuid}."));
        }
    }

    [Test]
    [CancelAfter(900_000)]
    public async Task The_systemd_driver_runs_on_a_host_whose_init_is_systemd_and_a_parent_that_is_not_a_slice_is_refused(CancellationToken cancellationToken)
    {
        var host = BootEnvironment.Definition.Hosts["vm-bullseye-v2"];
        var image = await BootEnvironment.ImageAsync("debian-bookworm");

        var slice = await BootEnvironment.SessionAsync(host, BootEnvironment.Definition.Daemons["systemd-driver-slice"], [image.Facts!]);
        Assert.That(slice.Engine.Info.CgroupDriver, Is.EqualTo("systemd"));
        Assert.That(slice.Host.SystemdInit, Is.True);

        var refused = Assert.ThrowsAsync<EngineRefusedException>(() => BootEnvironment.SessionAsync(host, BootEnvironment.Definition.Daemons["systemd-driver-not-a-slice"], [image.Facts!]));
        Assert.That(refused!.EngineMessage, Does.Contain("slice"), "dockerd's own reason");
        await Task.CompletedTask.WaitAsync(cancellationToken);
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task Two_profiles_run_at_the_same_time_without_clashing(CancellationToken cancellationToken)
    {
        var image = await BootEnvironment.ImageAsync("debian-bookworm");
        var plain = BootEnvironment.Definition.Daemons["default"];
        var remap = BootEnvironment.Definition.Daemons["userns-remap"];

        var sessions = await Task.WhenAll(BootEnvironment.SessionAsync(plain, [image.Facts!]), BootEnvironment.SessionAsync(remap, [image.Facts!]));
        var cellPlain = new Cell("debian-bookworm", plain, new RunProfile(CgroupnsMode.Private, CgroupMount.None, Privilege.None, true), []);
        var cellRemap = cellPlain with { Daemon = remap };
        var outcomes = await Task.WhenAll(sessions[0].RunAsync(cellPlain, cancellationToken), sessions[1].RunAsync(cellRemap, cancellationToken));

        Assert.That(sessions[0].Engine.Endpoint.SocketPath, Is.Not.EqualTo(sessions[1].Engine.Endpoint.SocketPath));
        Assert.That(outcomes[0].Verdict.Signature, Is.EqualTo("cgroup-readonly"), outcomes[0].NormalisedLog);
        Assert.That(outcomes[1].Verdict.Signature, Is.EqualTo("cgroup-permission-denied"), outcomes[1].NormalisedLog);
        Assert.That(outcomes[1].Verdict.Observations, Has.Some.Contains("owner 65534:65534, not writable by the container's root"),
            "on a remapping daemon the private cgroup is mounted read-write but owned by the real root, which the container sees as nobody");
    }
}
