using System.Collections.Concurrent;
using SystemdMatrix.Boot;
using SystemdMatrix.Engines;
using SystemdMatrix.Images;
using SystemdMatrix.Model;

namespace SystemdMatrix.Runs;

/// <summary>
/// One engine ready to boot cells: a sandbox engine for a daemon profile, with the run's images loaded and a cell
/// runner pointed at it. Disposing it tears the engine down.
/// </summary>
public sealed class BootSession : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ImageFacts> _images = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _loadGate = new(1, 1);

    private BootSession(IEngineHost engine, CellRunner runner)
    {
        Engine = engine;
        Runner = runner;
    }

    public IEngineHost Engine { get; }

    public CellRunner Runner { get; }

    public HostIdentity Host => Engine.Identity;

    public static async Task<BootSession> StartAsync(
        DaemonProfile profile,
        IReadOnlyCollection<ImageFacts> images,
        string purpose,
        Action<string> log,
        CancellationToken cancellationToken,
        CellRunnerOptions? options = null)
    {
        var engine = await SandboxEngine.StartAsync(new SandboxEngineOptions(profile, purpose), log, cancellationToken).ConfigureAwait(false);
        return await OnAsync(engine, images, log, cancellationToken, options).ConfigureAwait(false);
    }

    /// <summary>A session on an engine that is already running (a VM's); the session owns and removes it.</summary>
    public static async Task<BootSession> OnAsync(
        IEngineHost engine,
        IReadOnlyCollection<ImageFacts> images,
        Action<string> log,
        CancellationToken cancellationToken,
        CellRunnerOptions? options = null)
    {
        var session = new BootSession(engine, new CellRunner(engine.Endpoint, engine.Identity, options));
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
                await ImageBuilder.LoadAsync(Engine.Endpoint, image, log, cancellationToken).ConfigureAwait(false);
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

    public Task<CellOutcome> RunAsync(Cell cell, CancellationToken cancellationToken) =>
        Runner.RunAsync(cell, ImageFor(cell).Tag, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        Runner.Dispose();
        await Engine.DisposeAsync().ConfigureAwait(false);
    }
}
