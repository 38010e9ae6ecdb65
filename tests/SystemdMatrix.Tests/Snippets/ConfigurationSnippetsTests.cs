using SystemdMatrix.Model;
using SystemdMatrix.Snippets;

namespace SystemdMatrix.Tests.Snippets;

public sealed class ConfigurationSnippetsTests
{
    private const string Image = "systemd-matrix/debian:bookworm";

    [Test]
    public void The_host_namespace_with_a_writable_bind_and_sys_admin_says_the_same_in_every_tool()
    {
        var run = new RunProfile(CgroupnsMode.Host, CgroupMount.ReadWriteBind, Privilege.CapSysAdmin, Tmpfs: true);
        var snippets = ConfigurationSnippets.For(Image, run, DaemonProfile.Default);

        Assert.Multiple(() =>
        {
            Assert.That(snippets.DockerRun, Is.EqualTo("docker run -it --cgroupns=host --tmpfs /run --tmpfs /run/lock --tmpfs /tmp -v /sys/fs/cgroup:/sys/fs/cgroup:rw --cap-add SYS_ADMIN systemd-matrix/debian:bookworm"));
            Assert.That(snippets.Compose, Is.EqualTo(
                "services:\n  systemd:\n    image: systemd-matrix/debian:bookworm\n    tty: true\n    stdin_open: true\n    stop_signal: SIGRTMIN+3\n    cgroup: host\n"
                + "    tmpfs:\n      - /run\n      - /run/lock\n      - /tmp\n    volumes:\n      - /sys/fs/cgroup:/sys/fs/cgroup:rw\n    cap_add:\n      - SYS_ADMIN\n"));
            Assert.That(snippets.Molecule.Text, Does.Contain("    cgroupns_mode: host\n").And.Contain("    capabilities: [\"SYS_ADMIN\"]\n").And.Contain("    volumes: [\"/sys/fs/cgroup:/sys/fs/cgroup:rw\"]\n"));
            Assert.That(snippets.Testcontainers.Text, Does.Contain(".WithBindMount(\"/sys/fs/cgroup\", \"/sys/fs/cgroup\", AccessMode.ReadWrite)")
                .And.Contain("p.HostConfig.CgroupnsMode = \"host\";").And.Contain("p.HostConfig.CapAdd = [\"SYS_ADMIN\"];"));
            Assert.That(snippets.DaemonNote, Is.Null, "the engine's own daemon settings need no note");
        });
    }

    [Test]
    public void The_engine_default_namespace_writes_no_cgroup_key_and_privileged_is_said_plainly()
    {
        var snippets = ConfigurationSnippets.For(Image, new RunProfile(CgroupnsMode.EngineDefault, CgroupMount.None, Privilege.Privileged, Tmpfs: false), DaemonProfile.Default);

        Assert.Multiple(() =>
        {
            Assert.That(snippets.Compose, Does.Not.Contain("cgroup:").And.Not.Contain("tmpfs").And.Not.Contain("volumes").And.Contain("    privileged: true\n"));
            Assert.That(snippets.Molecule.Text, Does.Not.Contain("cgroupns_mode").And.Contain("    privileged: true\n"));
            Assert.That(snippets.Testcontainers.Text, Does.Contain(".WithPrivileged(true)").And.Not.Contain("CgroupnsMode"));
        });
    }

    [Test]
    public void A_bind_with_writable_submounts_uses_composes_long_syntax_and_molecule_says_it_cannot()
    {
        var snippets = ConfigurationSnippets.For(Image, new RunProfile(CgroupnsMode.Private, CgroupMount.RecursiveWritableBind, Privilege.WritableCgroups, Tmpfs: true), DaemonProfile.Default);

        Assert.Multiple(() =>
        {
            Assert.That(snippets.Compose, Does.Contain("      - type: bind\n        source: /sys/fs/cgroup\n        target: /sys/fs/cgroup\n        read_only: true\n        bind:\n          recursive: writable\n")
                .And.Contain("    security_opt:\n      - writable-cgroups=true\n").And.Contain("    cgroup: private\n"));
            Assert.That(snippets.Molecule.Text, Is.Null);
            Assert.That(snippets.Molecule.Unsupported, Does.Contain("bind-recursive=writable"));
            Assert.That(snippets.Testcontainers.Text, Does.Contain("ReadOnlyNonRecursive = true").And.Contain("p.HostConfig.SecurityOpt = [\"writable-cgroups=true\"];"));
        });
    }

    [Test]
    public void The_remapping_daemon_is_named_and_the_host_side_remedy_has_no_molecule_or_testcontainers_snippet()
    {
        var remap = DaemonProfile.Default with { Name = "userns-remap", UsernsRemap = true };
        var optedOut = ConfigurationSnippets.For(Image, new RunProfile(CgroupnsMode.Private, CgroupMount.None, Privilege.None, true, Remedy.UsernsHost), remap);
        var handedOver = ConfigurationSnippets.For(Image, new RunProfile(CgroupnsMode.Private, CgroupMount.None, Privilege.None, true, Remedy.ChownCgroup), remap);

        Assert.Multiple(() =>
        {
            Assert.That(optedOut.DaemonNote, Does.Contain("\"userns-remap\": \"default\""));
            Assert.That(optedOut.Compose, Does.Contain("    userns_mode: host\n"));
            Assert.That(optedOut.Molecule.Text, Does.Contain("    userns_mode: host\n"));
            Assert.That(optedOut.Testcontainers.Text, Does.Contain("p.HostConfig.UsernsMode = \"host\";"));
            Assert.That(handedOver.Molecule.Unsupported, Does.Contain("step on the host"));
            Assert.That(handedOver.Testcontainers.Unsupported, Does.Contain("step on the host"));
            Assert.That(handedOver.Compose, Does.Contain("entrypoint: [\"/bin/sh\"]").And.Contain("hand the container's cgroup to the remapped root"));
        });
    }

    [Test]
    public void The_systemd_driver_profile_names_its_daemon_settings()
    {
        var slice = DaemonProfile.Default with { Name = "systemd-driver-slice", CgroupDriver = CgroupDriver.Systemd, CgroupParent = "docker.slice" };
        var snippets = ConfigurationSnippets.For(Image, RunProfile.Default, slice);

        Assert.That(snippets.DaemonNote, Is.EqualTo("the daemon profile systemd-driver-slice: /etc/docker/daemon.json has { \"exec-opts\": [\"native.cgroupdriver=systemd\"], \"cgroup-parent\": \"docker.slice\" }"));
    }
}
