using SystemdMatrix.Engines;
using SystemdMatrix.Images;
using SystemdMatrix.Model;

namespace SystemdMatrix.Runs;

/// <summary>
/// Makes a set of manifest images available in the cache. The engine that builds them is started only if the cache
/// lacks one, and torn down afterwards.
/// </summary>
public static class ImageSet
{
    public static async Task<IReadOnlyList<ImageStatus>> EnsureAsync(
        RepositoryLayout layout,
        ImageManifest manifest,
        IEnumerable<ImageDefinition> images,
        ImageCache cache,
        Action<string> log,
        CancellationToken cancellationToken,
        BaseSource? sourceOverride = null)
    {
        foreach (var line in await Leftovers.ReapAsync(cache, cancellationToken).ConfigureAwait(false))
        {
            log(line);
        }

        var builder = new ImageBuilder(manifest, layout.ImagesRoot, cache);
        SandboxEngine? engine = null;
        try
        {
            var statuses = new List<ImageStatus>();
            foreach (var image in images)
            {
                statuses.Add(await builder.EnsureAsync(
                    image,
                    async () =>
                    {
                        engine ??= await SandboxEngine.StartAsync(new SandboxEngineOptions(DaemonProfile.Default, "image build"), log, cancellationToken).ConfigureAwait(false);
                        return engine.Endpoint;
                    },
                    log,
                    cancellationToken,
                    sourceOverride).ConfigureAwait(false));
            }

            return statuses;
        }
        finally
        {
            if (engine is not null)
            {
                await engine.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
