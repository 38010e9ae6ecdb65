using System.Collections.Concurrent;
using SystemdMatrix.Boot;
using SystemdMatrix.Engines;
using SystemdMatrix.Hosts;
using SystemdMatrix.Images;
using SystemdMatrix.Isolation;
using SystemdMatrix.Model;

namespace SystemdMatrix.Runs;

/// <summary>
/// One engine ready to boot cells: a sandbox engine for a daemon profile, with the run's images loaded and a cell
/// runner pointed at it. Every cell starts from the host's defined state (see <see cref="HostStateGuard"/>): cells
/// that can write the host's cgroup tree run alone, and what any cell changed is measured and put back. Disposing
/// the session tears the engine down.
/// </summary>
public sealed class BootSession : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ImageFacts> _images = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _loadGate = new(1, 1);
    private readonly SemaphoreSlim _warmUpGate = new(1, 1);
    private readonly HostStateGuard _guard;
    private readonly bool _ownsGuard;
    private bool _warm;
    private HostStateException? _dirty;

    private BootSession(IEngineHost engine, CellRunner runner, HostStateGuard guard, bool ownsGuard)
    {
        _ownsGuard = ownsGuard;
        Engine = engine;
        Runner = runner;
        _guard = guard;
    }

    /// <summary>The guard of this session's host: its gate, its defined state.</summary>
    public HostStateGuard Guard => _guard;

    /// <summary>Why the host is not used again (a cell left its cgroup tree in a state that could not be put back), or null.</summary>
    public HostStateException? Unusable => _dirty;

    public IEngineHost Engine { get; }

    public CellRunner Runner { get; }

    public HostIdentity Host => Engine.Identity;

    /// <summary>
    /// A session on an engine that is already running, guarded by its host's guard; the session owns and removes the
    /// engine (and the guard, when <paramref name="ownsGuard"/>). Opened by the host's <see cref="IHostProvider"/>.
    /// </summary>
    public static async Task<BootSession> OnAsync(
        IEngineHost engine,
        HostStateGuard guard,
        bool ownsGuard,
        IReadOnlyCollection<ImageFacts> images,
        CellRunnerOptions runner,
        Action<string> log,
        CancellationToken cancellationToken)
    {
        var session = new BootSession(engine, new CellRunner(engine.Endpoint, engine.Identity, runner), guard, ownsGuard);
        try
        {
            await session.EnsureLoadedAsync(images, log, cancellationToken).ConfigureAwait(false);
            return session;
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Loads the images this engine does not hold yet; safe to call from several tests at once.</summary>
    public async Task EnsureLoadedAsync(IEnumerable<ImageFacts> images, Action<string> log, CancellationToken cancellationToken)
    {
        await _loadGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var image in images.Where(i => !_images.ContainsKey(i.Name)))
            {
                // An image without an archive is the user's own, already on their engine (doctor --image).
                if (image.Archive.Length > 0)
                {
                    await ImageBuilder.LoadAsync(Engine.Endpoint, image, log, cancellationToken).ConfigureAwait(false);
                }

                _images[image.Name] = image;
            }
        }
        finally
        {
            _loadGate.Release();
        }
    }

    public ImageFacts ImageFor(Cell cell) =>
        _images.TryGetValue(cell.Image, out var facts)
            ? facts
            : throw new InvalidOperationException($"image {cell.Image} is not loaded in engine {Engine.Id}");

    /// <summary>
    /// Boots one cell from the host's defined state: alone if it can write the host's tree, beside others if not;
    /// afterwards the host is put back. When it cannot be, the cell's outcome still stands (with what was left), and
    /// every later cell is refused with <see cref="HostStateException"/>: the host is not used again.
    /// </summary>
    public async Task<CellOutcome> RunAsync(Cell cell, CancellationToken cancellationToken)
    {
        var tag = ImageFor(cell).Tag;
        await EnsureWarmAsync(tag, cancellationToken).ConfigureAwait(false);
        var alone = HostWriteClassifier.Reason(cell, Host) is not null;
        CellOutcome outcome;
        IReadOnlyList<string> left;
        var clock = new PhaseClock();
        await using (await _guard.Gate.EnterAsync(alone, cancellationToken).ConfigureAwait(false))
        {
            clock.Lap("wait-for-gate");
            if (_dirty is { } unusable)
            {
                throw unusable;
            }

            // Checked again right before the cell: a host's own systemd trims and re-enables controllers on its
            // slices after containers come and go, on its own schedule, so the state put back after the last cell
            // may have drifted since. Such drift is the host's, not this cell's, and is put back, not recorded.
            try
            {
                await _guard.RestoreAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (HostStateException drifted)
            {
                _dirty = new HostStateException($"before {cell.Id}: {drifted.Message}", drifted.Remaining);
                throw _dirty;
            }

            clock.Lap("restore-before");
            outcome = await Runner.RunAsync(cell, tag, cancellationToken, _guard.ObserveAsync).ConfigureAwait(false);
            clock.Lap("cell");
            try
            {
                left = await _guard.RestoreAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (HostStateException dirty)
            {
                _dirty = new HostStateException($"after {cell.Id}: {dirty.Message}", dirty.Remaining);
                left = dirty.Remaining;
            }
        }

        clock.Lap("restore-after");
        var session = clock.Seconds.Where(p => p.Key != "cell").ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        outcome = outcome with { Phases = PhaseClock.Merge(outcome.Phases, session) };
        var writes = outcome.Verdict.HostWrites.Union(left, StringComparer.Ordinal).ToList();
        return writes.Count == outcome.Verdict.HostWrites.Count ? outcome : outcome with { Verdict = outcome.Verdict with { HostWrites = writes } };
    }

    /// <summary>
    /// Boots the cell as <see cref="RunAsync"/> does, then once more, alone, on the host taken back to before its
    /// engine ran any container, and records that verdict where it differs (<see cref="Verdict.OnUnusedHost"/>).
    /// Where the two states do not differ on this host there is nothing to compare and the cell runs once.
    /// </summary>
    public async Task<CellOutcome> RunComparingUnusedHostAsync(Cell cell, CancellationToken cancellationToken)
    {
        var outcome = await RunAsync(cell, cancellationToken).ConfigureAwait(false);
        if (!_guard.PristineDiffers)
        {
            return outcome;
        }

        CellOutcome unused;
        await using (await _guard.Gate.EnterAsync(alone: true, cancellationToken).ConfigureAwait(false))
        {
            await _guard.MakePristineAsync(cancellationToken).ConfigureAwait(false);
            unused = await Runner.RunAsync(cell, ImageFor(cell).Tag, cancellationToken, _guard.ObserveAsync).ConfigureAwait(false);
            await _guard.RestoreAsync(cancellationToken).ConfigureAwait(false);
        }

        var essence = Reporting.VerdictComparison.Essence(unused.Verdict with { HostWrites = [] });
        return essence == Reporting.VerdictComparison.Essence(outcome.Verdict with { HostWrites = [] })
            ? outcome
            : outcome with { Verdict = outcome.Verdict with { OnUnusedHost = essence } };
    }

    /// <summary>
    /// The defined state is a host in ordinary use: before its first cell, the engine runs one plain container (no
    /// flags), alone; the tree while it runs is what the engine does for any container, the tree after it the baseline.
    /// </summary>
    private async Task EnsureWarmAsync(string imageTag, CancellationToken cancellationToken)
    {
        await _warmUpGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_warm)
            {
                return;
            }

            var docker = new DockerCli(Engine.Endpoint);
            await _guard.WarmUpAsync(
                async ct =>
                {
                    var started = await docker.RunCheckedAsync(
                        ["run", "-d", "--rm", "--network", "none", "--label", $"{CellRunner.CellLabel}=warm-up", "--entrypoint", "sleep", imageTag, "infinity"],
                        cancellationToken: ct).ConfigureAwait(false);
                    return new PlainContainer(docker, started.StandardOutput.Trim());
                },
                cancellationToken).ConfigureAwait(false);
            _warm = true;
        }
        finally
        {
            _warmUpGate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Runner.Dispose();
        if (_ownsGuard)
        {
            await _guard.DisposeAsync().ConfigureAwait(false);
        }

        await Engine.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>The warm-up's plain container, removed (with its cgroup) when disposed.</summary>
internal sealed class PlainContainer(DockerCli docker, string id) : IAsyncDisposable
{
    public async ValueTask DisposeAsync() =>
        await docker.RunCheckedAsync(["rm", "-f", id], cancellationToken: CancellationToken.None).ConfigureAwait(false);
}
