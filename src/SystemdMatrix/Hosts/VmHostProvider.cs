using SystemdMatrix.Boot;
using SystemdMatrix.Images;
using SystemdMatrix.Isolation;
using SystemdMatrix.Matrix;
using SystemdMatrix.Model;
using SystemdMatrix.Runs;

namespace SystemdMatrix.Hosts;

/// <summary>
/// VM hosts: a Debian release booted in a cgroup mode, one VM per daemon profile. The VM's tree is the harness's
/// own, read and put back through a helper container; a VM whose tree cannot be put back is rebooted.
/// </summary>
public sealed class VmHostProvider(RepositoryLayout layout, ImageCache cache, int vmCpus = VmOptions.DefaultCpus) : IHostProvider
{
    /// <summary>Two VMs at a time: each wants its vCPUs and 2 GB, and emulation is CPU-bound.</summary>
    public static int DefaultParallelVms => Math.Clamp(Environment.ProcessorCount, 1, 2);

    /// <summary>
    /// Each VM gets its share of the cores, at least one vCPU: no more vCPU threads than cores. On this project's
    /// 2-core machine under TCG two VMs of one vCPU ran 96 cells in 385 s where two of two vCPUs took 465 s (median
    /// failed cell 4.6 s against 7.2 s, same verdicts; bench/README.md): a guest whose vCPU thread is descheduled
    /// while it holds a kernel lock keeps the other spinning, and most cells of a VM host run alone anyway (they can
    /// write its tree). A 4-core runner keeps two vCPUs per VM.
    /// </summary>
    public static int DefaultVmCpus(int parallelVms) => Math.Max(1, Environment.ProcessorCount / Math.Max(1, parallelVms));

    /// <summary>The vCPUs of each VM this provider boots; also the cells booted at once inside one.</summary>
    public int VmCpus { get; } = vmCpus >= 1 ? vmCpus : throw new ArgumentOutOfRangeException(nameof(vmCpus), vmCpus, "a VM has at least one vCPU");

    /// <summary>Where VMs are saved and resumed from (default: the cache's, unless <c>SYSTEMD_MATRIX_VM_SNAPSHOTS=off</c>); null boots every VM cold.</summary>
    public VmSnapshots? Snapshots { get; init; } = VmSnapshots.IfEnabled(cache);

    public HostKind Kind => HostKind.Vm;

    /// <summary>How often one VM group may reboot its host because a cell left the cgroup tree unrestorable.</summary>
    public int MaxRestarts => 3;

    public bool BootsSideBySide => true;

    public int CellParallelism(int requested) => VmCpus;

    /// <summary>Under TCG a VM resumed from its snapshot is a measured host in 9 to 15 s; a cold boot beside another VM takes 40 to 130 s.</summary>
    public double ExpectedStartSeconds(HostSpec host, DaemonProfile daemon) =>
        Snapshots is not null && Snapshots.HasAny(host.Release!, host.CgroupMode!.Value, daemon.Name) ? 15 : CellShards.HostCost(host);

    public Task<HostIdentity> PredictIdentityAsync(HostSpec host, DaemonProfile daemon, CancellationToken cancellationToken) =>
        Task.FromResult(PredictIdentity(host, daemon));

    /// <summary>What a VM of this spec will be, from the release catalogue: enough to decide host-level rules.</summary>
    public static HostIdentity PredictIdentity(HostSpec host, DaemonProfile daemon)
    {
        var release = HostReleases.Find(host.Release!);
        return new HostIdentity(HostKind.Vm, release.DockerVersion, host.CgroupMode!.Value, daemon.DriverOn(host.CgroupMode!.Value, systemdInit: true), daemon.UsernsRemap, "?")
        {
            SystemdInit = true,
            Init = "systemd",
            Release = release.Release,
        };
    }

    /// <summary>
    /// Under emulation a boot takes seconds rather than a fraction of one: wait four times the sandbox's before calling
    /// it hung; under KVM a guest runs near native speed, but its engine still goes through a forwarded socket: twice.
    /// </summary>
    public static CellRunnerOptions RunnerOptions(CellRunnerOptions sandbox, string accelerator)
    {
        var factor = accelerator == "kvm" ? 2 : 4;
        return sandbox with { BootTimeout = sandbox.BootTimeout * factor, SettleTimeout = sandbox.SettleTimeout * factor };
    }

    /// <summary>Boots a VM of the spec with the daemon profile (building its disk if the cache lacks it).</summary>
    public async Task<VmEngine> StartVmAsync(HostSpec host, DaemonProfile daemon, string purpose, Action<string> log, CancellationToken cancellationToken)
    {
        var release = HostReleases.Find(host.Release!);
        var (_, image, _) = (await HostSet.EnsureAsync(layout, [release], cache, log, cancellationToken).ConfigureAwait(false))[0];
        return await VmEngine.StartAsync(new VmOptions(release, host.CgroupMode!.Value, daemon, image, purpose) { Cpus = VmCpus, Snapshots = Snapshots }, log, cancellationToken).ConfigureAwait(false);
    }

    public async Task<BootSession> StartSessionAsync(HostSpec host, DaemonProfile daemon, IReadOnlyCollection<ImageFacts> images, CellRunnerOptions runner, string purpose, Action<string> log, CancellationToken cancellationToken)
    {
        var vm = await StartVmAsync(host, daemon, purpose, log, cancellationToken).ConfigureAwait(false);
        HostStateGuard guard;
        try
        {
            guard = new HostStateGuard(await AgentCgroupTree.StartAsync(vm.Endpoint, vm.HelperImage, vm.Identity, $"VM {vm.Id}", cancellationToken).ConfigureAwait(false), new CellGate());
        }
        catch
        {
            await vm.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return await BootSession.OnAsync(vm, guard, ownsGuard: true, images, RunnerOptions(runner, vm.Identity.Accelerator), log, cancellationToken).ConfigureAwait(false);
    }
}
