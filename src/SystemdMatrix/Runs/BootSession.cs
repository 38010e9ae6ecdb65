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
    private readonly IReadOnlyDictionary<string, ImageFacts> _images;

    private BootSession(SandboxEngine engine, CellRunner runner, IReadOnlyDictionary<string, ImageFacts> images)
    {
        Engine = engine;
        Runner = runner;
        _images = images;
    }

    public SandboxEngine Engine { get; }

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
        try
        {
            foreach (var image in images)
            {
                await ImageBuilder.LoadAsync(engine.Endpoint, image, log, cancellationToken).ConfigureAwait(false);
            }

            var runner = new CellRunner(engine.Endpoint, engine.Identity, options);
            return new BootSession(engine, runner, images.ToDictionary(i => i.Name, StringComparer.Ordinal));
        }
        catch
        {
            await engine.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public ImageFacts ImageFor(Cell cell) =>
        _images.TryGetValue(cell.Image, out var facts)
            ? facts
            : throw new InvalidOperationException($"image {cell.Image} is not loaded in engine {Engine.Paths.Id}");

    public Task<CellOutcome> RunAsync(Cell cell, CancellationToken cancellationToken) =>
        Runner.RunAsync(cell, ImageFor(cell).Tag, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        Runner.Dispose();
        await Engine.DisposeAsync().ConfigureAwait(false);
    }
}
