using System.Text;
using System.Text.Json.Nodes;
using SystemdMatrix.Engines;
using SystemdMatrix.Hosts;
using SystemdMatrix.Matrix;
using SystemdMatrix.Model;
using SystemdMatrix.Runs;

namespace SystemdMatrix.Tests.Hosts;

public sealed class VmConfigurationTests
{
    [TestCase("bullseye", HostCgroupMode.V2, "systemd.unified_cgroup_hierarchy=1")]
    [TestCase("bullseye", HostCgroupMode.Hybrid, "systemd.unified_cgroup_hierarchy=0 systemd.legacy_systemd_cgroup_controller=0")]
    [TestCase("bookworm", HostCgroupMode.V1, "systemd.unified_cgroup_hierarchy=0 systemd.legacy_systemd_cgroup_controller=1")]
    [TestCase("trixie", HostCgroupMode.V1, "systemd.unified_cgroup_hierarchy=0 systemd.legacy_systemd_cgroup_controller=1 SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE=1")]
    public void Kernel_command_line_sets_the_cgroup_mode(string release, HostCgroupMode mode, string expected)
    {
        var cmdline = VmEngine.KernelCommandLine(HostReleases.Find(release), mode, DaemonProfile.Default, "smx-vm-00000000");

        Assert.That(cmdline, Does.Contain(expected));
        Assert.That(cmdline, Does.StartWith("root=/dev/vda rw console=ttyS0"));
        Assert.That(cmdline, Does.Contain("systemd.mask=systemd-tmpfiles-clean.timer"), "no timer of the host's own runs beside a cell");
    }

    [Test]
    public void The_daemon_profile_travels_on_the_kernel_command_line()
    {
        var profile = new DaemonProfile("remap-slice", UsernsRemap: true, CgroupDriver.Systemd, "docker.slice");

        var cmdline = VmEngine.KernelCommandLine(HostReleases.Find("bookworm"), HostCgroupMode.V2, profile, "smx-vm-00000000");
        var encoded = cmdline.Split(' ').Single(a => a.StartsWith("smx.daemon=", StringComparison.Ordinal))["smx.daemon=".Length..];
        var config = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(encoded)))!.AsObject();

        Assert.That(config["hosts"]!.AsArray().Select(n => (string?)n), Is.EqualTo(new[] { "fd://", "tcp://0.0.0.0:2375" }));
        Assert.That((string?)config["userns-remap"], Is.EqualTo("default"));
        Assert.That((string?)config["cgroup-parent"], Is.EqualTo("docker.slice"));
        Assert.That(config["exec-opts"]!.AsArray().Select(n => (string?)n), Is.EqualTo(new[] { "native.cgroupdriver=systemd" }));
        Assert.That(cmdline.Length, Is.LessThan(2048), "the x86 kernel command line limit");
    }

    [Test]
    public void Host_releases_carry_the_engines_the_brief_names()
    {
        Assert.That(HostReleases.All.Select(r => (r.Release, r.DockerVersion)), Is.EqualTo(new[]
        {
            ("bullseye", "20.10.5"), ("bookworm", "20.10.24"), ("trixie", "26.1.5"), ("forky", "28.5.2"),
        }));
    }

    [Test]
    public void Guest_configuration_fingerprint_is_stable_and_covers_the_daemon_config_script()
    {
        var first = HostImageFiles.Fingerprint();

        Assert.That(HostImageFiles.Fingerprint(), Is.EqualTo(first));
        Assert.That(first, Does.Match("^[0-9a-f]{16}$"));
        Assert.That(HostImageFiles.Files(100000, 100000)["usr/local/sbin/systemd-matrix-daemon-config"], Does.Contain("smx\\.daemon="));
        Assert.That(HostImageFiles.Files(100000, 100000)["etc/subuid"], Is.EqualTo("dockremap:100000:65536\n"));
    }

    [Test]
    public void Forky_hosts_cannot_boot_v1_or_hybrid_by_rule_and_every_other_combination_can()
    {
        var definition = MatrixDefinition.Load(Repo.Layout.Matrices);
        foreach (var host in definition.Hosts.Values.Where(h => h.Kind == HostKind.Vm))
        {
            var cell = new Cell("debian-bookworm", DaemonProfile.Default, RunProfile.Default, []) { Host = host };
            var verdict = definition.NotApplicable(cell, VmHostProvider.PredictIdentity(host, DaemonProfile.Default));
            if (host.Release == "forky" && host.CgroupMode != HostCgroupMode.V2)
            {
                Assert.That(verdict?.Message, Does.Contain("systemd 258 removed cgroup v1"), host.Name);
            }
            else
            {
                Assert.That(verdict, Is.Null, host.Name);
            }
        }

        Assert.That(definition.Hosts.Values.Count(h => h.Kind == HostKind.Vm), Is.EqualTo(12), "four releases in three cgroup modes");
    }

    [Test]
    public void The_ci_v2_matrix_runs_every_seed_configuration_on_a_v2_host()
    {
        var definition = MatrixDefinition.Load(Repo.Layout.Matrices);
        var cells = definition.Expand(definition.Find("smoke-v2"));

        Assert.That(cells.SelectMany(c => c.Aliases).Distinct(), Is.SupersetOf(definition.Seed.Select(s => s.Alias)));
        Assert.That(cells.Select(c => c.Host.CgroupMode), Is.All.EqualTo(HostCgroupMode.V2));
    }

    [TestCase("[   31.2] dockerd[412]: failed to start daemon: cgroup-parent for systemd cgroup should be a valid slice named as \"xxx.slice\"", "cgroup-parent for systemd cgroup should be a valid slice named as \"xxx.slice\"")]
    [TestCase("time=\"2026-12-01T17:10:00Z\" level=error msg=\"failed to start daemon: cgroup-parent should be a valid slice named as \\\"xxx.slice\\\"\"", "cgroup-parent should be a valid slice named as \"xxx.slice\"")]
    [TestCase("[  OK  ] Started docker.service", null)]
    public void The_daemons_refusal_is_read_from_the_console_as_dockerd_wrote_it(string line, string? expected)
    {
        Assert.That(VmEngine.DaemonRefusalIn(line), Is.EqualTo(expected));
    }
}
