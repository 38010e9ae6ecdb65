using SystemdMatrix.Boot;
using SystemdMatrix.Engines;
using SystemdMatrix.Hosts;
using SystemdMatrix.Images;
using SystemdMatrix.Matrix;
using SystemdMatrix.Model;

namespace SystemdMatrix.Runs;

/// <summary>
/// What one kind of host brings to a run: what it will be before it is started, how a session on it is opened, how
/// many cells it boots at once, and what happens when a cell leaves its cgroup tree in a state that cannot be put
/// back. A new kind of host is one implementation of this in its own folder, registered in <see cref="HostProviders"/>.
/// </summary>
public interface IHostProvider
{
    HostKind Kind { get; }

    /// <summary>What a host of this spec will be, from what is known before it is started: enough to decide host-level rules.</summary>
    Task<HostIdentity> PredictIdentityAsync(HostSpec host, DaemonProfile daemon, CancellationToken cancellationToken);

    /// <summary>Starts the host's engine for the profile and opens a session on it with the images loaded; the session owns the engine.</summary>
    Task<BootSession> StartSessionAsync(HostSpec host, DaemonProfile daemon, IReadOnlyCollection<ImageFacts> images, CellRunnerOptions runner, string purpose, Action<string> log, CancellationToken cancellationToken);

    /// <summary>Cells booted at once on one session, given what the run asked for.</summary>
    int CellParallelism(int requested);

    /// <summary>
    /// How often a host whose cgroup tree could not be put back may be replaced by a new one before its remaining
    /// cells are given up; 0 when it cannot be (the run stops, naming what is left).
    /// </summary>
    int MaxRestarts { get; }

    /// <summary>Whether hosts of this kind boot side by side (each its own machine) rather than one after another.</summary>
    bool BootsSideBySide { get; }

    /// <summary>The seconds a run's progress expects this host to take before its first cell (a boot, or a VM's resume).</summary>
    double ExpectedStartSeconds(HostSpec host, DaemonProfile daemon) => CellShards.HostCost(host);
}

/// <summary>The provider of every host kind a run can use.</summary>
public sealed class HostProviders(RepositoryLayout layout, ImageCache cache, int vmCpus = VmOptions.DefaultCpus)
{
    public SandboxHostProvider Sandbox { get; } = new();

    public VmHostProvider Vm { get; } = new(layout, cache, vmCpus);

    /// <summary>The user's own engine, when the run targets one (<c>--host local</c>).</summary>
    public Local.LocalHostProvider? Local { get; init; }

    public IHostProvider For(HostSpec host) => host.Kind switch
    {
        HostKind.Sandbox => Sandbox,
        HostKind.Vm => Vm,
        HostKind.Local when Local is not null => Local,
        _ => throw new MatrixException($"host {host.Name}: hosts of kind {AxisNames.Of(host.Kind)} cannot be run yet"),
    };
}
