using SystemdMatrix.Engines;
using SystemdMatrix.Isolation;
using SystemdMatrix.Local;
using SystemdMatrix.Model;

namespace SystemdMatrix.Tests.Local;

public sealed class LocalEngineFactsTests
{
    private static LocalEngineFacts Facts(string cgroupVersion, string? driver, params string[] security) =>
        new(new LocalEngineAddress("/s", "test"), new EngineVersion("28.5.2+dfsg4", "1.51", "1.24", "6.12"), new EngineInfo("28.5.2+dfsg4", driver, cgroupVersion, security, "6.12.0", "Debian", "/var/lib/docker", []), new Version(1, 44));

    [Test]
    public void The_engines_own_settings_are_its_one_daemon_profile()
    {
        var remapped = Facts("2", "systemd", "name=seccomp,profile=builtin", "name=userns", "name=cgroupns");
        Assert.Multiple(() =>
        {
            Assert.That(remapped.Profile, Is.EqualTo(new DaemonProfile("local", UsernsRemap: true, CgroupDriver.Systemd, null)));
            Assert.That(remapped.Rootless, Is.False);
            Assert.That(Facts("2", "systemd", "name=rootless").Rootless, Is.True);
            Assert.That(Facts("1", "cgroupfs").Profile.CgroupDriver, Is.EqualTo(CgroupDriver.Cgroupfs));
        });
    }

    [Test]
    public void Before_any_container_the_host_is_what_the_engine_says()
    {
        var predicted = LocalEngine.Predict(Facts("2", "systemd"));
        Assert.Multiple(() =>
        {
            Assert.That(predicted.Kind, Is.EqualTo(HostKind.Local));
            Assert.That(predicted.CgroupMode, Is.EqualTo(HostCgroupMode.V2));
            Assert.That(predicted.ApiVersion, Is.EqualTo("1.51"));
            Assert.That(predicted.SystemdInit, Is.True, "an engine on the systemd driver runs on a systemd host; rules about the driver must not rule it out before the probe");
            Assert.That(LocalEngine.Predict(Facts("1", "cgroupfs")).Init, Is.EqualTo("unknown"));
            Assert.That(LocalEngine.Predict(Facts("1", "cgroupfs")).CgroupMode, Is.EqualTo(HostCgroupMode.V1), "the engine says 1 for v1 and hybrid; the probe tells them apart");
        });
    }

    [Test]
    public void A_cell_that_can_write_the_users_tree_is_skipped_with_the_option_that_runs_it()
    {
        var host = LocalEngine.Predict(Facts("2", "systemd"));
        var rw = new Cell("debian-bookworm", Facts("2", "systemd").Profile, RunProfile.Default.WithCgroupns(CgroupnsMode.Host).WithCgroupMount(CgroupMount.ReadWriteBind), []) { Host = HostSpec.Local };
        var plain = rw with { Run = RunProfile.Default.WithCgroupns(CgroupnsMode.Private) };
        Assert.Multiple(() =>
        {
            Assert.That(HostWriteClassifier.Consent(rw, host, allowHostWrites: false)!.Message, Does.StartWith("skipped on a local engine: needs --allow-host-writes, because it binds"));
            Assert.That(HostWriteClassifier.Consent(rw, host, allowHostWrites: true), Is.Null);
            Assert.That(HostWriteClassifier.Consent(plain, host, allowHostWrites: false), Is.Null);
        });
    }
}
