using SystemdMatrix.Boot;
using SystemdMatrix.Engines;
using SystemdMatrix.Hosts;
using SystemdMatrix.Model;

namespace SystemdMatrix.Tests.Hosts;

/// <summary>
/// The KVM path as far as a machine without working KVM can prove it: how the accelerator is chosen when asked for,
/// what qemu is started with under each, and how long a VM and its cells are given.
/// </summary>
public sealed class KvmPathTests
{
    private static readonly VmOptions Options = VmFixtures.Options("forky");

    [Test]
    public async Task Asking_for_tcg_needs_no_test_boot()
    {
        var booted = false;
        Assert.That(await AcceleratorProbe.ForcedAsync("tcg", kvmDeviceExists: true, _ => Task.FromResult(booted = true), CancellationToken.None), Is.EqualTo("tcg"));
        Assert.That(booted, Is.False);
    }

    [Test]
    public async Task Asking_for_kvm_where_a_test_boot_works_gives_kvm() =>
        Assert.That(await AcceleratorProbe.ForcedAsync("kvm", kvmDeviceExists: true, _ => Task.FromResult(true), CancellationToken.None), Is.EqualTo("kvm"));

    [Test]
    public void Asking_for_kvm_without_a_device_stops_at_once_with_what_to_do()
    {
        var refused = Assert.ThrowsAsync<EngineStartException>(() => AcceleratorProbe.ForcedAsync("kvm", kvmDeviceExists: false, _ => throw new AssertionException("no device, no test boot"), CancellationToken.None))!;
        Assert.That(refused.Message, Does.StartWith("SYSTEMD_MATRIX_ACCEL=kvm, but this machine has no /dev/kvm").And.Contain("unset it"));
    }

    [Test]
    public void Asking_for_kvm_where_the_device_boots_nothing_stops_after_the_test_boot_not_the_vms_timeout()
    {
        var refused = Assert.ThrowsAsync<EngineStartException>(() => AcceleratorProbe.ForcedAsync("kvm", kvmDeviceExists: true, _ => Task.FromResult(false), CancellationToken.None))!;
        Assert.That(refused.Message, Does.Contain($"printed nothing within {AcceleratorProbe.TestBootTimeout.TotalSeconds:0} s").And.Contain("udev rule"));
        Assert.That(AcceleratorProbe.TestBootTimeout, Is.LessThan(VmOptions.ReadyTimeoutFor("kvm")));
    }

    [Test]
    public void A_vm_host_boots_as_many_cells_at_once_as_it_has_vcpus_and_qemu_is_given_them()
    {
        var cache = new SystemdMatrix.Images.ImageCache(Path.GetTempPath());
        Assert.Multiple(() =>
        {
            Assert.That(new VmHostProvider(Repo.Layout, cache).CellParallelism(requested: 8), Is.EqualTo(VmOptions.DefaultCpus));
            Assert.That(new VmHostProvider(Repo.Layout, cache, vmCpus: 2).CellParallelism(requested: 8), Is.EqualTo(2));
            Assert.That(() => new VmHostProvider(Repo.Layout, cache, vmCpus: 0), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(string.Join(' ', VmEngine.QemuArguments(Options with { Cpus = 2 }, VmPaths.For("smx-vm-00000000"), "tcg")), Does.Contain("-smp 2 "));

            // A run's VMs share the cores, never more vCPU threads than cores, and each has at least one.
            Assert.That(VmHostProvider.DefaultVmCpus(parallelVms: 1), Is.EqualTo(Environment.ProcessorCount));
            Assert.That(VmHostProvider.DefaultVmCpus(parallelVms: 2), Is.EqualTo(Math.Max(1, Environment.ProcessorCount / 2)));
            Assert.That(VmHostProvider.DefaultVmCpus(parallelVms: Environment.ProcessorCount + 1), Is.EqualTo(1));
        });
    }

    [Test]
    public void Qemu_runs_the_host_cpu_under_kvm_and_an_emulated_one_under_tcg()
    {
        var paths = VmPaths.For("smx-vm-00000000");
        var kvm = string.Join(' ', VmEngine.QemuArguments(Options, paths, "kvm"));
        var tcg = string.Join(' ', VmEngine.QemuArguments(Options, paths, "tcg"));
        Assert.Multiple(() =>
        {
            Assert.That(kvm, Does.Contain("-accel kvm -cpu host").And.Not.Contain("tcg"));
            Assert.That(tcg, Does.Contain("-accel tcg,thread=multi -cpu max").And.Not.Contain("kvm"));
            foreach (var args in new[] { kvm, tcg })
            {
                Assert.That(args, Does.Contain("-m 2048 -smp 1").And.Contain("restrict=on,hostfwd=tcp:127.0.0.1:").And.Contain("-no-reboot"));
                Assert.That(args, Does.Contain("systemd.unified_cgroup_hierarchy=1"));
            }
        });
    }

    [Test]
    public void A_kvm_guest_gets_shorter_timeouts_than_an_emulated_one_and_both_longer_than_the_sandbox()
    {
        var sandbox = new CellRunnerOptions();
        var kvm = VmHostProvider.RunnerOptions(sandbox, "kvm");
        var tcg = VmHostProvider.RunnerOptions(sandbox, "tcg");
        Assert.Multiple(() =>
        {
            Assert.That(VmOptions.ReadyTimeoutFor("kvm"), Is.EqualTo(TimeSpan.FromMinutes(2)));
            Assert.That(VmOptions.ReadyTimeoutFor("tcg"), Is.EqualTo(TimeSpan.FromMinutes(5)));
            Assert.That(kvm.BootTimeout, Is.EqualTo(sandbox.BootTimeout * 2));
            Assert.That(tcg.BootTimeout, Is.EqualTo(sandbox.BootTimeout * 4));
            Assert.That(kvm.SettleTimeout, Is.LessThan(tcg.SettleTimeout).And.GreaterThan(sandbox.SettleTimeout));
        });
    }
}
