using SystemdMatrix.Boot;
using SystemdMatrix.Engines;
using SystemdMatrix.Images;
using SystemdMatrix.Isolation;
using SystemdMatrix.Model;
using SystemdMatrix.Runs;

namespace SystemdMatrix.Local;

/// <summary>
/// The user's own engine as a host. It is not the harness's: its tree is only watched and put back when the user
/// opted in to cells that can write it (<see cref="HostWriteClassifier.OptIn"/>; a throwaway CI runner, say): this
/// machine's own through the sandbox engines' guard, another machine's through the privileged helper a VM host uses. Without that opt-in no cell that can write the tree runs there, and the
/// harness does not touch the tree at all: a person's host has their own containers and sessions coming and going,
/// which are not a cell's doing and must never be "put back".
/// </summary>
public sealed class LocalHostProvider(LocalEngineAddress address, bool allowHostWrites) : IHostProvider
{
    public LocalEngineAddress Address { get; } = address;

    public HostKind Kind => HostKind.Local;

    /// <summary>Someone else's host cannot be replaced.</summary>
    public int MaxRestarts => 0;

    public bool BootsSideBySide => false;

    public int CellParallelism(int requested) => requested;

    public async Task<HostIdentity> PredictIdentityAsync(HostSpec host, DaemonProfile daemon, CancellationToken cancellationToken) =>
        LocalEngine.Predict(await LocalEngine.ReadAsync(Address, cancellationToken).ConfigureAwait(false));

    public async Task<BootSession> StartSessionAsync(HostSpec host, DaemonProfile daemon, IReadOnlyCollection<ImageFacts> images, CellRunnerOptions runner, string purpose, Action<string> log, CancellationToken cancellationToken)
    {
        var facts = await LocalEngine.ReadAsync(Address, cancellationToken).ConfigureAwait(false);
        var engine = await LocalEngine.ConnectAsync(facts, log, cancellationToken).ConfigureAwait(false);
        var probe = images.FirstOrDefault()?.Tag;
        try
        {
            foreach (var image in images.Where(i => i.Archive.Length > 0))
            {
                await ImageBuilder.LoadAsync(engine.Endpoint, image, log, cancellationToken).ConfigureAwait(false);
            }

            if (probe is not null)
            {
                engine = await engine.WithHostMeasuredAsync(probe, log, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            await engine.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        log($"local engine {Address}: {engine.Describe()}");
        // Without the opt-in nothing that can write the tree runs, and the tree is not looked at. With it, an engine on
        // this machine shares the tree (and its guard) with the sandbox engines; another machine's is watched through a
        // privileged helper, as a VM's is.
        HostStateGuard guard;
        var ownsGuard = true;
        try
        {
            if (!allowHostWrites || probe is null)
            {
                guard = new HostStateGuard(new UnwatchedCgroupTree($"local engine {Address.Socket} (not watched without {HostWriteClassifier.OptIn})"), new CellGate());
            }
            else if (engine.OnThisMachine)
            {
                // Cells that write this machine's tree: one harness process at a time, as for sandbox engines.
                await MachineLock.ThisMachine.AcquireAsync(log, cancellationToken).ConfigureAwait(false);
                guard = SandboxHostProvider.ThisMachine;
                ownsGuard = false;
            }
            else
            {
                guard = new HostStateGuard(await AgentCgroupTree.StartAsync(engine.Endpoint, probe, engine.Identity, $"local engine {Address.Socket}", cancellationToken).ConfigureAwait(false), new CellGate());
            }
        }
        catch
        {
            await engine.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var labelled = runner with { Labels = new Dictionary<string, string>(runner.Labels) { [LocalEngine.OwnerLabel] = LocalEngine.Owner } };
        return await BootSession.OnAsync(engine, guard, ownsGuard, images, labelled, log, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>A tree the harness does not look at: always as it was, nothing to put back.</summary>
public sealed class UnwatchedCgroupTree(string where) : ICgroupTree
{
    public string Where { get; } = where;

    public Task<CgroupFingerprint> ReadAsync(CancellationToken cancellationToken) => Task.FromResult(CgroupFingerprint.Empty);

    public Task<IReadOnlyList<string>> RunAsync(string script, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<string>>([]);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
