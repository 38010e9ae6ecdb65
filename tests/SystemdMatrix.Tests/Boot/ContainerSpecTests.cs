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

/// <summary>The create parameters the harness sends say what the <c>docker run</c> flags it publishes say.</summary>
public sealed class ContainerSpecApiTests
{
    private static IEnumerable<RunProfile> EveryRunProfile() =>
        from cgroupns in Enum.GetValues<CgroupnsMode>()
        from mount in Enum.GetValues<CgroupMount>()
        from privilege in Enum.GetValues<Privilege>()
        from tmpfs in new[] { true, false }
        from remedy in Enum.GetValues<Remedy>()
        select new RunProfile(cgroupns, mount, privilege, tmpfs, remedy);

    [TestCaseSource(nameof(EveryRunProfile))]
    public void Api_parameters_and_flags_agree(RunProfile run)
    {
        var spec = ContainerSpec.For("img", run);
        var parameters = new Docker.DotNet.Models.CreateContainerParameters();
        spec.ApplyTo(parameters, ["/lib/systemd/systemd"]);
        var host = parameters.HostConfig!;

        // Read the flags back one by one; every flag must find its parameter, and nothing may be left over.
        var flags = new Queue<string>(spec.Flags());
        var binds = new List<string>();
        var tmpfs = new List<string>();
        var caps = new List<string>();
        var options = new List<string>();
        var mounts = 0;
        while (flags.TryDequeue(out var flag))
        {
            switch (flag)
            {
                case var f when f.StartsWith("--cgroupns=", StringComparison.Ordinal):
                    Assert.That(host.CgroupnsMode, Is.EqualTo(f["--cgroupns=".Length..]));
                    break;
                case var f when f.StartsWith("--userns=", StringComparison.Ordinal):
                    Assert.That(host.UsernsMode, Is.EqualTo(f["--userns=".Length..]));
                    break;
                case "--tmpfs": tmpfs.Add(flags.Dequeue()); break;
                case "-v": binds.Add(flags.Dequeue()); break;
                case "--cap-add": caps.Add(flags.Dequeue()); break;
                case "--security-opt": options.Add(flags.Dequeue()); break;
                case "--privileged": Assert.That(host.Privileged, Is.True); break;
                case "--mount":
                    var mount = host.Mounts!.Single();
                    Assert.That(flags.Dequeue(), Is.EqualTo($"type=bind,source={mount.Source},target={mount.Target},readonly,bind-recursive=writable"));
                    Assert.That(mount.ReadOnly == true && mount.BindOptions?.ReadOnlyNonRecursive == true, Is.True, "read-only, submounts writable");
                    mounts++;
                    break;
                case "--entrypoint":
                    Assert.That(parameters.Entrypoint, Is.EqualTo(new[] { flags.Dequeue() }));
                    Assert.That(parameters.Cmd![^1], Is.EqualTo("/lib/systemd/systemd"), "the waiting entrypoint runs the image's systemd");
                    break;
                default: Assert.Fail($"flag {flag} has no parameter check"); break;
            }
        }

        Assert.That(host.Binds, Is.EqualTo(binds));
        Assert.That(host.Tmpfs!.Keys, Is.EquivalentTo(tmpfs));
        Assert.That(host.CapAdd, Is.EqualTo(caps));
        Assert.That(host.SecurityOpt, Is.EqualTo(options));
        Assert.That(host.Mounts, Has.Count.EqualTo(mounts));
        Assert.That(host.Privileged, Is.EqualTo(run.Privilege == Privilege.Privileged));
        Assert.That(host.CgroupnsMode, Is.EqualTo(spec.CgroupnsMode ?? string.Empty), "no flag: the engine's default");
        Assert.That((parameters.Tty, parameters.OpenStdin, parameters.StopSignal, host.NetworkMode), Is.EqualTo((true, true, ContainerSpec.StopSignal, "none")));
    }
}
