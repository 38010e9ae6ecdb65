using SystemdMatrix.Boot;
using SystemdMatrix.Images;
using SystemdMatrix.Isolation;
using SystemdMatrix.Model;
using SystemdMatrix.Runs;

namespace SystemdMatrix.Engines;

/// <summary>
/// Sandbox engines: a <c>dockerd</c> per daemon profile on this machine. Their host is this machine, so its tree is
/// guarded by one guard shared by every sandbox engine of the process, and a tree that cannot be put back stops the
/// run (this machine cannot be rebooted).
/// </summary>
public sealed class SandboxHostProvider : IHostProvider
{
    private static readonly Lazy<HostStateGuard> ThisMachineGuard = new(() => new HostStateGuard(new LocalCgroupTree(), new CellGate()));

    /// <summary>This machine's tree, shared by every sandbox engine of this process (and a local engine on this machine).</summary>
    public static HostStateGuard ThisMachine => ThisMachineGuard.Value;

    public HostKind Kind => HostKind.Sandbox;

    public int MaxRestarts => 0;

    /// <summary>Sandbox engines share this machine's tree and cores: one profile after another.</summary>
    public bool BootsSideBySide => false;

    public int CellParallelism(int requested) => requested;

    public Task<HostIdentity> PredictIdentityAsync(HostSpec host, DaemonProfile daemon, CancellationToken cancellationToken) =>
        SandboxEngine.PredictIdentityAsync(daemon, cancellationToken);

    public async Task<BootSession> StartSessionAsync(HostSpec host, DaemonProfile daemon, IReadOnlyCollection<ImageFacts> images, CellRunnerOptions runner, string purpose, Action<string> log, CancellationToken cancellationToken)
    {
        var engine = await SandboxEngine.StartAsync(new SandboxEngineOptions(daemon, purpose), log, cancellationToken).ConfigureAwait(false);
        return await BootSession.OnAsync(engine, ThisMachine, ownsGuard: false, images, runner, log, cancellationToken).ConfigureAwait(false);
    }
}
