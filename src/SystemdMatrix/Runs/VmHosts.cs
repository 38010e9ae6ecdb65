using SystemdMatrix.Boot;
using SystemdMatrix.Hosts;
using SystemdMatrix.Images;
using SystemdMatrix.Model;

namespace SystemdMatrix.Runs;

/// <summary>How runs use VM hosts: what they predict before booting, how they boot, how patient the runner is.</summary>
public static class VmHosts
{
    /// <summary>Cells booted at once inside one VM: its two vCPUs.</summary>
    public const int CellParallelism = 2;

    /// <summary>Two VMs at a time: each wants two vCPUs and 2 GB, and emulation is CPU-bound.</summary>
    public static int DefaultParallelVms => Math.Clamp(Environment.ProcessorCount, 1, 2);

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

    /// <summary>Under emulation a boot takes seconds rather than a fraction of one: wait longer before calling it hung.</summary>
    public static CellRunnerOptions RunnerOptions(CellRunnerOptions sandbox) => sandbox with
    {
        BootTimeout = sandbox.BootTimeout * 4,
        SettleTimeout = sandbox.SettleTimeout * 4,
    };

    public static async Task<VmEngine> StartAsync(RepositoryLayout layout, ImageCache cache, HostSpec host, DaemonProfile daemon, string purpose, Action<string> log, CancellationToken cancellationToken)
    {
        var release = HostReleases.Find(host.Release!);
        var (_, image, _) = (await HostSet.EnsureAsync(layout, [release], cache, log, cancellationToken).ConfigureAwait(false))[0];
        return await VmEngine.StartAsync(new VmOptions(release, host.CgroupMode!.Value, daemon, image, purpose), log, cancellationToken).ConfigureAwait(false);
    }
}
