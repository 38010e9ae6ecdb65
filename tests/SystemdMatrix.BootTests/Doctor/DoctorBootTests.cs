using System.Text;
using SystemdMatrix.Doctor;
using SystemdMatrix.Engines;
using SystemdMatrix.Images;
using SystemdMatrix.Local;
using SystemdMatrix.Model;

namespace SystemdMatrix.BootTests.Doctor;

/// <summary>
/// <c>doctor</c> against real engines treated as the user's own: a sandbox engine on this machine, and a cgroup v2 VM
/// host's socket, as someone who ran <c>hosts up</c> would point at it. Alone: its probes must not overlap another
/// test's cells on this machine's tree.
/// </summary>
[NonParallelizable]
public sealed class DoctorBootTests
{
    private static readonly RunProfile PrivateReadOnly = RunProfile.Default.WithCgroupns(CgroupnsMode.Private).WithCgroupMount(CgroupMount.ReadOnlyBind);
    private static readonly RunProfile WritableCgroups = RunProfile.Default.WithCgroupns(CgroupnsMode.Private).WithPrivilege(Privilege.WritableCgroups);

    private static Task<DoctorReport> DoctorAsync(string socket, string from, CancellationToken cancellationToken, string? image = null, bool allowHostWrites = false) =>
        DoctorRun.RunAsync(BootEnvironment.Layout, BootEnvironment.Data, new ImageCache(ImageCache.DefaultRoot), new DoctorOptions(new LocalEngineAddress(socket, from)) { Image = image, AllowHostWrites = allowHostWrites }, BootEnvironment.Log, cancellationToken);

    [Test]
    [CancelAfter(900_000)]
    public async Task On_the_sandbox_engine_doctor_stops_at_the_least_privileged_configuration_that_boots_and_the_matrix_confirms_it(CancellationToken cancellationToken)
    {
        await using var engine = await SandboxEngine.StartAsync(new SandboxEngineOptions(DaemonProfile.Default, "doctor test"), BootEnvironment.Log, cancellationToken);
        var report = await DoctorAsync(engine.Paths.Socket, "the test's sandbox engine", cancellationToken, allowHostWrites: BootEnvironment.AllowHostWrites);
        var text = DoctorText.Render(report);
        BootEnvironment.Log($"doctor on the sandbox engine, {report.Seconds:0.0} s:\n{text}");

        Assert.Multiple(() =>
        {
            Assert.That(report.Host.Kind, Is.EqualTo(HostKind.Local));
            Assert.That(report.Host.CgroupMode, Is.EqualTo(HostCgroupProbe.DetectLocal()), "measured through a container in the host's pid namespace");
            Assert.That(report.EngineDescription, Does.Contain("on this machine"));
            Assert.That(report.HostClass.Hosts, Is.EqualTo(new[] { "sandbox" }), "the tree's options are part of the class: a VM host of the same engine is another");
            Assert.That(report.Probes.Select(p => p.Rank), Is.Ordered);
            Assert.That(report.Probes.Where(p => p.Outcome == ProbeOutcome.Failed).Select(p => p.Verdict!.Signature), Has.None.Null.And.None.EqualTo(Signatures.SignatureCatalogue.Unknown));
        });
        if (BootEnvironment.AllowHostWrites)
        {
            // On this hybrid Docker 20.10 machine nothing unprivileged that keeps off the tree boots; the least that
            // boots at all is a private cgroupns with the tree bound read-only (the smoke table's row).
            Assert.That(report.Working?.Cell.Run, Is.EqualTo(PrivateReadOnly), text);
            Assert.That(report.Confirmation, Does.StartWith("confirmed by the matrix: debian-bookworm/default/cgns-private_mount-ro_priv-none_tmpfs-on booted"), text);
            Assert.That(text, Does.Contain("works: docker run -it --cgroupns=private --tmpfs /run --tmpfs /run/lock --tmpfs /tmp -v /sys/fs/cgroup:/sys/fs/cgroup:ro").And.Contain("services:"));
            Assert.That(report.Probes.TakeWhile(p => p.Outcome != ProbeOutcome.Booted).Select(p => p.Outcome), Has.Some.EqualTo(ProbeOutcome.Failed));
        }
        else
        {
            Assert.That(report.Working, Is.Null, text);
            Assert.That(report.Probes.Where(p => p.Outcome == ProbeOutcome.Skipped).Select(p => p.Why), Has.All.StartWith("skipped on a local engine: needs --allow-host-writes"));
            Assert.That(text, Does.Contain("--allow-host-writes tries them"));
        }

        var left = await new DockerCli(engine.Endpoint).RunCheckedAsync(["ps", "-aq", "--filter", $"label={LocalEngine.OwnerLabel}"], cancellationToken: cancellationToken);
        Assert.That(left.StandardOutput.Trim(), Is.Empty, "doctor removes every container it made");
    }

    [Test]
    [CancelAfter(900_000)]
    public async Task An_image_that_is_not_there_or_has_no_systemd_gets_a_clear_message(CancellationToken cancellationToken)
    {
        await using var engine = await SandboxEngine.StartAsync(new SandboxEngineOptions(DaemonProfile.Default, "doctor test"), BootEnvironment.Log, cancellationToken);
        var missing = Assert.ThrowsAsync<LocalEngineException>(() => DoctorAsync(engine.Paths.Socket, "the test's sandbox engine", cancellationToken, image: "systemd-matrix-test/absent:1"))!;
        Assert.That(missing.Message, Does.StartWith("image systemd-matrix-test/absent:1 is not on the engine at").And.Contain("docker pull systemd-matrix-test/absent:1"));

        // The matrix's bookworm image with systemd taken out: a real image, built here without a registry.
        var bookworm = (await BootEnvironment.ImageAsync(DoctorOptions.DefaultImage)).Facts!;
        await ImageBuilder.LoadAsync(engine.Endpoint, bookworm, BootEnvironment.Log, cancellationToken);
        var dockerfile = new MemoryStream(Encoding.UTF8.GetBytes($"FROM {bookworm.Tag}\nRUN rm -f /usr/bin/systemctl /bin/systemctl /lib/systemd/systemd\n"));
        await new DockerCli(engine.Endpoint).RunCheckedAsync(["build", "-q", "-t", "systemd-matrix-test/no-systemd:1", "-"], input: dockerfile, cancellationToken: cancellationToken);
        var noSystemd = Assert.ThrowsAsync<LocalEngineException>(() => DoctorAsync(engine.Paths.Socket, "the test's sandbox engine", cancellationToken, image: "systemd-matrix-test/no-systemd:1"))!;
        Assert.That(noSystemd.Message, Does.StartWith("image systemd-matrix-test/no-systemd:1 has no systemd").And.Contain("install systemd"));
    }

    [Test]
    [CancelAfter(1_800_000)]
    public async Task On_a_cgroup_v2_vm_host_treated_as_local_doctor_finds_writable_cgroups_which_the_matrix_confirms(CancellationToken cancellationToken)
    {
        var forky = new HostSpec("vm-forky-v2", HostKind.Vm, "forky", HostCgroupMode.V2);
        await using var vm = await BootEnvironment.Providers.Vm.StartVmAsync(forky, DaemonProfile.Default, "doctor test", BootEnvironment.Log, cancellationToken);
        var report = await DoctorAsync(vm.Endpoint.SocketPath, "DOCKER_HOST as `hosts up` prints it", cancellationToken);
        var text = DoctorText.Render(report);
        BootEnvironment.Log($"doctor on {vm.Identity.Describe()}, {report.Seconds:0.0} s:\n{text}");

        Assert.Multiple(() =>
        {
            Assert.That(report.Host.Kind, Is.EqualTo(HostKind.Local));
            Assert.That(report.Host.CgroupMode, Is.EqualTo(HostCgroupMode.V2));
            Assert.That(report.Host.Init, Is.EqualTo("systemd"), "the VM's PID 1, read through a container");
            Assert.That(report.EngineDescription, Does.Not.Contain("on this machine"));
            Assert.That(report.HostClass.Hosts, Does.Contain("vm-forky-v2"));
            Assert.That(report.Working?.Cell.Run, Is.EqualTo(WritableCgroups), text);
            Assert.That(report.Confirmation, Does.StartWith("confirmed by the matrix: vm-forky-v2/debian-bookworm/default/cgns-private_mount-none_priv-writable-cgroups_tmpfs-on booted"));
            Assert.That(text, Does.Contain("works: docker run -it --cgroupns=private --tmpfs /run --tmpfs /run/lock --tmpfs /tmp --security-opt writable-cgroups=true"));
            var weaker = report.Probes.TakeWhile(p => p.Outcome != ProbeOutcome.Booted).ToList();
            Assert.That(weaker.Where(p => p.Outcome == ProbeOutcome.Failed).Select(p => p.Verdict!.Signature), Is.Not.Empty.And.None.EqualTo(Signatures.SignatureCatalogue.Unknown));
            Assert.That(weaker.Where(p => p.Outcome == ProbeOutcome.Skipped).Select(p => p.Cell.Run.CgroupMount), Has.Some.EqualTo(CgroupMount.ReadWriteBind), "the rw binds need the opt-in on someone's own host");
        });
    }
}
