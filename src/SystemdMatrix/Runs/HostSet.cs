using SystemdMatrix.Hosts;
using SystemdMatrix.Images;

namespace SystemdMatrix.Runs;

/// <summary>Host images for VM hosts, with every available Debian-based test image preloaded.</summary>
public static class HostSet
{
    // Two VM groups of one release must not build its host image twice at the same time.
    private static readonly SemaphoreSlim BuildGate = new(1, 1);

    /// <summary>The test images a host image carries: every Debian-based image of the manifest that is available here.</summary>
    public static async Task<IReadOnlyList<ImageFacts>> PreloadImagesAsync(RepositoryLayout layout, ImageManifest manifest, ImageCache cache, Action<string> log, CancellationToken cancellationToken)
    {
        var statuses = await ImageSet.EnsureAsync(layout, manifest, manifest.Images.Where(i => i.Distro == "debian"), cache, log, cancellationToken).ConfigureAwait(false);
        return statuses.Where(s => s.IsAvailable).Select(s => s.Facts!).ToList();
    }

    public static async Task<IReadOnlyList<(HostRelease Release, HostImage Image, bool Cached)>> EnsureAsync(
        RepositoryLayout layout,
        IEnumerable<HostRelease> releases,
        ImageCache cache,
        Action<string> log,
        CancellationToken cancellationToken)
    {
        await BuildGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await EnsureSeriallyAsync(layout, releases, cache, log, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            BuildGate.Release();
        }
    }

    private static async Task<IReadOnlyList<(HostRelease Release, HostImage Image, bool Cached)>> EnsureSeriallyAsync(
        RepositoryLayout layout,
        IEnumerable<HostRelease> releases,
        ImageCache cache,
        Action<string> log,
        CancellationToken cancellationToken)
    {
        var manifest = ImageManifest.Load(layout.Manifest);
        var images = await PreloadImagesAsync(layout, manifest, cache, log, cancellationToken).ConfigureAwait(false);
        var builder = new HostImageBuilder(cache, manifest.Mirrors.With(SystemdMatrix.Settings.HarnessSettings.Current).Debian ?? "http://deb.debian.org/debian");
        var built = new List<(HostRelease, HostImage, bool)>();
        foreach (var release in releases)
        {
            var (image, cached) = await builder.EnsureAsync(release, images, log, cancellationToken).ConfigureAwait(false);
            built.Add((release, image, cached));
        }

        return built;
    }
}
