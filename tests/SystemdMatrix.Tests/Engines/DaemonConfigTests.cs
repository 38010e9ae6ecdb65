using System.Text.Json.Nodes;
using SystemdMatrix.Engines;
using SystemdMatrix.Model;

namespace SystemdMatrix.Tests.Engines;

public sealed class DaemonConfigTests
{
    private static readonly SandboxPaths Paths = SandboxPaths.For("smx-0badcafe", "/run/test-state", "/var/lib/test-data");

    [Test]
    public void Default_profile_touches_nothing_shared_with_other_engines()
    {
        var config = DaemonConfig.Build(DaemonProfile.Default, Paths);

        Assert.Multiple(() =>
        {
            Assert.That((string?)config["bridge"], Is.EqualTo("none"));
            Assert.That((bool?)config["iptables"], Is.False);
            Assert.That((bool?)config["ip-forward"], Is.False);
            Assert.That((bool?)config["ip-masq"], Is.False);
            Assert.That((string?)config["containerd-namespace"], Is.EqualTo("smx-0badcafe"));
            Assert.That((string?)config["containerd-plugins-namespace"], Is.EqualTo("smx-0badcafe-plugins"));
            Assert.That((string?)config["group"], Is.EqualTo("root"));
            Assert.That(config.ContainsKey("userns-remap"), Is.False);
            Assert.That(config.ContainsKey("cgroup-parent"), Is.False);
            Assert.That(config.ContainsKey("hosts"), Is.False, "the socket is a flag; dockerd refuses it in both places");
        });
        Assert.That(config.ContainsKey("exec-opts"), Is.False, "the default profile leaves the cgroup driver to the engine");
        Assert.That(config["labels"]!.AsArray().Select(n => (string?)n), Does.Contain("org.systemd-matrix.engine=smx-0badcafe"));
        var forced = DaemonConfig.Build(DaemonProfile.Default.WithCgroupDriver(CgroupDriver.Cgroupfs), Paths);
        Assert.That(forced["exec-opts"]!.AsArray().Select(n => (string?)n), Is.EqualTo(new[] { "native.cgroupdriver=cgroupfs" }));
    }

    [TestCase(HostCgroupMode.V2, true, CgroupDriver.Systemd)]
    [TestCase(HostCgroupMode.V2, false, CgroupDriver.Cgroupfs)]
    [TestCase(HostCgroupMode.Hybrid, true, CgroupDriver.Cgroupfs)]
    [TestCase(HostCgroupMode.V1, true, CgroupDriver.Cgroupfs)]
    public void The_engine_picks_systemd_only_on_a_v2_host_run_by_systemd(HostCgroupMode mode, bool systemdInit, CgroupDriver expected)
    {
        Assert.That(DaemonProfile.Default.DriverOn(mode, systemdInit), Is.EqualTo(expected));
        Assert.That(DaemonProfile.Default.WithCgroupDriver(CgroupDriver.Cgroupfs).DriverOn(mode, systemdInit), Is.EqualTo(CgroupDriver.Cgroupfs), "a profile's own driver wins");
    }

    [Test]
    public void Remapped_systemd_driver_profile_with_parent()
    {
        var profile = new DaemonProfile("remap-systemd", UsernsRemap: true, CgroupDriver.Systemd, "docker.slice");

        var config = DaemonConfig.Build(profile, Paths);

        Assert.That((string?)config["userns-remap"], Is.EqualTo("default"));
        Assert.That((string?)config["cgroup-parent"], Is.EqualTo("docker.slice"));
        Assert.That(config["exec-opts"]!.AsArray().Select(n => (string?)n), Is.EqualTo(new[] { "native.cgroupdriver=systemd" }));
    }

    [Test]
    public void Rendered_file_is_valid_json_ending_in_a_newline()
    {
        var text = DaemonConfig.Render(DaemonProfile.Default, Paths);

        Assert.That(text, Does.EndWith("\n"));
        Assert.That(JsonNode.Parse(text), Is.Not.Null);
    }

    [Test]
    public void Dockerd_gets_private_socket_roots_and_pidfile_as_flags()
    {
        var args = DaemonConfig.DockerdArguments(Paths);

        Assert.That(args, Is.EqualTo(new[]
        {
            "--config-file", "/run/test-state/smx-0badcafe/daemon.json",
            "--host", "unix:///run/test-state/smx-0badcafe/docker.sock",
            "--data-root", "/var/lib/test-data/smx-0badcafe",
            "--exec-root", "/run/test-state/smx-0badcafe/exec",
            "--pidfile", "/run/test-state/smx-0badcafe/dockerd.pid",
        }));
        Assert.That(args, Has.None.Contains("tcp://"));
    }

    [TestCase("1.41", "1.41")]
    [TestCase("1.43", "1.43")]
    [TestCase("1.51", "1.44")]
    public void Api_version_is_the_older_of_engine_and_client(string server, string expected)
    {
        Assert.That(EngineApi.Negotiate(server), Is.EqualTo(Version.Parse(expected)));
    }

    [Test]
    public void Engine_ids_are_prefixed_and_unique()
    {
        var ids = Enumerable.Range(0, 50).Select(_ => SandboxPaths.NewId()).ToList();

        Assert.That(ids, Is.Unique);
        Assert.That(ids, Has.All.Match("^smx-[0-9a-f]{8}$"));
    }
}
