using SystemdMatrix.Boot;
using SystemdMatrix.Model;

namespace SystemdMatrix.Tests.Boot;

public sealed class ContainerSpecTests
{
    [Test]
    public void Seed_command_translates_to_the_flags_the_report_used()
    {
        var run = new RunProfile(CgroupnsMode.EngineDefault, CgroupMount.ReadOnlyBind, Privilege.None, Tmpfs: true);

        var flags = ContainerSpec.For("img", run).Flags();

        Assert.That(flags, Is.EqualTo(new[] { "--tmpfs", "/run", "--tmpfs", "/run/lock", "--tmpfs", "/tmp", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:ro" }));
    }

    [TestCase(CgroupnsMode.Host, "--cgroupns=host")]
    [TestCase(CgroupnsMode.Private, "--cgroupns=private")]
    public void Explicit_cgroupns_is_a_flag(CgroupnsMode mode, string expected)
    {
        var flags = ContainerSpec.For("img", RunProfile.Default.WithCgroupns(mode)).Flags();

        Assert.That(flags[0], Is.EqualTo(expected));
    }

    [Test]
    public void Engine_default_cgroupns_omits_the_flag()
    {
        var spec = ContainerSpec.For("img", RunProfile.Default);

        Assert.That(spec.CgroupnsMode, Is.Null);
        Assert.That(spec.Flags(), Has.None.StartsWith("--cgroupns"));
    }

    [TestCase(Privilege.Privileged, new[] { "--privileged" })]
    [TestCase(Privilege.CapSysAdmin, new[] { "--cap-add", "SYS_ADMIN" })]
    [TestCase(Privilege.WritableCgroups, new[] { "--security-opt", "writable-cgroups=true" })]
    public void Privilege_levels_map_to_their_flags(Privilege privilege, string[] expected)
    {
        var flags = ContainerSpec.For("img", RunProfile.Default.WithTmpfs(false).WithPrivilege(privilege)).Flags();

        Assert.That(flags, Is.EqualTo(expected));
    }

    [Test]
    public void Recursive_writable_bind_needs_the_mount_syntax()
    {
        var flags = ContainerSpec.For("img", RunProfile.Default.WithTmpfs(false).WithCgroupMount(CgroupMount.RecursiveWritableBind)).Flags();

        Assert.That(flags, Is.EqualTo(new[] { "--mount", "type=bind,source=/sys/fs/cgroup,target=/sys/fs/cgroup,readonly,bind-recursive=writable" }));
    }

    [Test]
    public void Docker_run_arguments_are_detached_with_a_tty_no_network_and_sorted_labels()
    {
        var spec = ContainerSpec.For("systemd-matrix/debian:bookworm", RunProfile.Default.WithCgroupns(CgroupnsMode.Private));

        var args = spec.DockerRunArguments(new Dictionary<string, string> { ["z"] = "1", ["a"] = "2" });

        Assert.That(args.Take(5), Is.EqualTo(new[] { "run", "-d", "-t", "--network", "none" }));
        Assert.That(args.Skip(5).Take(4), Is.EqualTo(new[] { "--label", "a=2", "--label", "z=1" }));
        Assert.That(args[^1], Is.EqualTo("systemd-matrix/debian:bookworm"));
        Assert.That(args, Does.Contain("--cgroupns=private"));
    }

    [Test]
    public void Equivalent_is_a_line_a_person_can_paste()
    {
        var spec = ContainerSpec.For("img", new RunProfile(CgroupnsMode.Host, CgroupMount.ReadWriteBind, Privilege.None, Tmpfs: false));

        Assert.That(spec.Equivalent(), Is.EqualTo("docker run -it --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw img"));
    }
}
