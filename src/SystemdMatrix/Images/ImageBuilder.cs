using System.Text.RegularExpressions;
using SystemdMatrix.Engines;

namespace SystemdMatrix.Images;

public enum ImageState
{
    Built,
    Cached,
    Unavailable,
}

/// <summary>The result of asking for an image: its facts, or why it cannot be had here.</summary>
public sealed record ImageStatus(ImageDefinition Image, ImageState State, ImageFacts? Facts, string? Reason, BaseSource? Source)
{
    public bool IsAvailable => Facts is not null;

    public string Describe() => State switch
    {
        ImageState.Unavailable => $"unavailable: {Reason}",
        _ => $"{State.ToString().ToLowerInvariant()} (systemd {Facts!.SystemdVersion}, {Facts.BaseSource}, recipe {Facts.RecipeHash})",
    };
}

/// <summary>The image lacks what a systemd test image needs.</summary>
public sealed class ImageUnfitException(string message) : Exception(message);

/// <summary>
/// Turns manifest entries into images in the cache: picks the base source, bootstraps or pulls the base, builds the
/// generated Dockerfile, reads the systemd version from the result, labels and saves it. A half-built image never
/// gets its final tag; a cached one is not rebuilt. An image whose base cannot be had is reported unavailable.
/// </summary>
public sealed partial class ImageBuilder(ImageManifest manifest, string imagesRoot, ImageCache cache)
{
    public const string LabelPrefix = "org.systemd-matrix.";

    private readonly RootfsBootstrapper _bootstrapper = new(cache);

    /// <summary>
    /// Ensures the image is in the cache. <paramref name="engine"/> is asked for only when something must be built,
    /// so a warm cache needs no engine at all.
    /// </summary>
    public async Task<ImageStatus> EnsureAsync(ImageDefinition image, Func<Task<EngineEndpoint>> engine, Action<string> log, CancellationToken cancellationToken, BaseSource? sourceOverride = null)
    {
        var dockerfile = DockerfileGenerator.Generate(manifest with { Images = [image] }, imagesRoot)[0].Content;
        var mirrors = manifest.Mirrors.With(SystemdMatrix.Settings.HarnessSettings.Current);
        var (source, reason) = await ResolveSourceAsync(image, sourceOverride ?? image.Source, mirrors).ConfigureAwait(false);
        if (source is null)
        {
            return new ImageStatus(image, ImageState.Unavailable, null, reason, null);
        }

        var release = image.ReleaseInfo;
        var baseIdentity = source == BaseSource.Registry
            ? DockerfileGenerator.RegistryBase(image)
            : $"rootfs:{RecipeHash.ForRootfs(release, mirrors.For(image.Distro)!)}";
        var key = RecipeHash.ForImage(image, dockerfile, source.Value, baseIdentity);

        foreach (var pruned in cache.PruneSuperseded("images", image.Name, key, ImageCache.SupersededIdle))
        {
            log($"{image.Name}: removed {pruned} (an earlier recipe, unused for {ImageCache.SupersededIdle.TotalHours:0} h)");
        }

        if (cache.TryGetImage(image, key) is { } cached)
        {
            return new ImageStatus(image, ImageState.Cached, cached, null, source);
        }

        var endpoint = await engine().ConfigureAwait(false);
        var cli = new DockerCli(endpoint);
        var buildArgs = new List<string>();
        if (source == BaseSource.Bootstrap)
        {
            var mirror = mirrors.For(image.Distro)!;
            var (tarball, rootfsCached) = await _bootstrapper.EnsureAsync(release, mirror, log, cancellationToken).ConfigureAwait(false);
            log($"{image.Name}: base root filesystem {(rootfsCached ? "from cache" : "bootstrapped")}, importing");
            var baseTag = $"systemd-matrix/base-{image.Distro}:{release.Release}-{baseIdentity[7..]}";
            await cli.RunCheckedAsync(["import", tarball, baseTag], cancellationToken: cancellationToken).ConfigureAwait(false);
            buildArgs.AddRange(["--build-arg", $"BASE={baseTag}"]);
        }

        var context = cache.Scratch($"context-{image.Name}");
        Directory.CreateDirectory(context);
        var archive = cache.Scratch($"archive-{image.Name}-{key}");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"), dockerfile, cancellationToken).ConfigureAwait(false);
            var iidFile = Path.Combine(context, "iid");
            var progress = new ProgressThrottle(log, $"{image.Name} build", TimeSpan.FromSeconds(3));
            log($"{image.Name}: building from images/{image.Folder}/Dockerfile ({SourceName(source.Value)} base)");

            // Host networking for RUN steps only: the sandbox has no bridge, and apt/dnf must reach the archive.
            await cli.RunCheckedAsync(["build", "--network", "host", "--iidfile", iidFile, .. buildArgs, context], progress.Report, cancellationToken: cancellationToken).ConfigureAwait(false);
            var builtId = (await File.ReadAllTextAsync(iidFile, cancellationToken).ConfigureAwait(false)).Trim();

            await CheckFitnessAsync(cli, image, builtId, cancellationToken).ConfigureAwait(false);
            var systemdVersion = await ReadSystemdVersionAsync(cli, image, builtId, cancellationToken).ConfigureAwait(false);

            // Label (version, recipe, source) in a last, content-free step; only this step's result gets the tag.
            var labelContext = Path.Combine(context, "label");
            Directory.CreateDirectory(labelContext);
            await File.WriteAllTextAsync(Path.Combine(labelContext, "Dockerfile"), $"FROM {builtId}\n", cancellationToken).ConfigureAwait(false);
            var labels = new Dictionary<string, string>
            {
                [LabelPrefix + "image"] = image.Name,
                [LabelPrefix + "recipe-hash"] = key,
                [LabelPrefix + "base-source"] = SourceName(source.Value),
                [LabelPrefix + "systemd-version"] = systemdVersion,
            };
            await cli.RunCheckedAsync(
                ["build", "-q", "-t", image.Tag, .. labels.SelectMany(l => new[] { "--label", $"{l.Key}={l.Value}" }), labelContext],
                cancellationToken: cancellationToken).ConfigureAwait(false);

            await cli.RunCheckedAsync(["save", "-o", archive, image.Tag], cancellationToken: cancellationToken).ConfigureAwait(false);
            var facts = cache.StoreImage(image, key, archive, new ImageFacts(image.Name, image.Tag, key, SourceName(source.Value), systemdVersion, archive, DateTimeOffset.UtcNow));
            log($"{image.Name}: built, systemd {systemdVersion}");
            return new ImageStatus(image, ImageState.Built, facts, null, source);
        }
        finally
        {
            Directory.Delete(context, recursive: true);
            File.Delete(archive);
        }
    }

    /// <summary>Loads a cached image into an engine unless it already holds this exact recipe.</summary>
    public static async Task LoadAsync(EngineEndpoint endpoint, ImageFacts facts, Action<string> log, CancellationToken cancellationToken)
    {
        var cli = new DockerCli(endpoint);
        var inspect = await cli.RunAsync(["image", "inspect", "--format", $"{{{{index .Config.Labels \"{LabelPrefix}recipe-hash\"}}}}", facts.Tag], cancellationToken: cancellationToken).ConfigureAwait(false);
        if (inspect.Succeeded && inspect.StandardOutput.Trim() == facts.RecipeHash)
        {
            return;
        }

        log($"loading {facts.Tag} into engine");
        await cli.RunCheckedAsync(["load", "-q", "-i", facts.Archive], cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Registry when asked for (or, with auto, when one answers); bootstrap when a mirror and the tool are there;
    /// otherwise no source and the reason.
    /// </summary>
    private async Task<(BaseSource? Source, string Reason)> ResolveSourceAsync(ImageDefinition image, BaseSource wanted, MirrorSettings mirrors)
    {
        var mirror = mirrors.For(image.Distro);
        var bootstrapBlocker = mirror is null
            ? $"no {image.Distro} mirror is configured (set mirrors.{image.Distro} in images/manifest.json or SYSTEMD_MATRIX_MIRROR_{image.Distro.ToUpperInvariant()})"
            : Prerequisites.Missing(RootfsBootstrapper.RequirementsFor(image.ReleaseInfo)) is { Count: > 0 } missing
                ? $"the bootstrap tool is missing: {Prerequisites.Describe(missing).Replace('\n', ' ')}"
                : null;

        switch (wanted)
        {
            case BaseSource.Registry:
                return (BaseSource.Registry, "asked for");
            case BaseSource.Bootstrap:
                return bootstrapBlocker is null ? (BaseSource.Bootstrap, "asked for") : (null, bootstrapBlocker);
            default:
                var (reachable, registryReason) = await RegistryProbe.IsReachableAsync().ConfigureAwait(false);
                if (reachable)
                {
                    return (BaseSource.Registry, registryReason);
                }

                return bootstrapBlocker is null
                    ? (BaseSource.Bootstrap, registryReason)
                    : (null, $"no registry ({registryReason}) and {bootstrapBlocker}");
        }
    }

    private static async Task<string> ReadSystemdVersionAsync(DockerCli cli, ImageDefinition image, string imageId, CancellationToken cancellationToken)
    {
        var result = await cli.RunAsync(["run", "--rm", "--network", "none", "--entrypoint", "systemctl", imageId, "--version"], cancellationToken: cancellationToken).ConfigureAwait(false);
        var match = SystemdVersion().Match(result.StandardOutput);
        return result.Succeeded && match.Success
            ? match.Groups["version"].Value
            : throw new ImageUnfitException($"{image.Name}: the built image has no working systemd (`systemctl --version` said: {result.Tail(3)})");
    }

    /// <summary>What every systemd test image must have; checked before the image gets its tag.</summary>
    private static async Task CheckFitnessAsync(DockerCli cli, ImageDefinition image, string imageId, CancellationToken cancellationToken)
    {
        var result = await cli.RunCheckedAsync(
            ["image", "inspect", "--format", "{{json .Config.Cmd}}|{{.Config.StopSignal}}|{{json .Config.Env}}", imageId],
            cancellationToken: cancellationToken).ConfigureAwait(false);
        var problems = ImageFitness.Problems(result.StandardOutput.Trim());
        if (problems.Count > 0 && image.Template == "seed-replica")
        {
            // The replica reproduces the seed report's Dockerfile as written, shortcomings included.
            return;
        }

        if (problems.Count > 0)
        {
            throw new ImageUnfitException($"{image.Name} (images/{image.Folder}/Dockerfile): {string.Join("; ", problems)}");
        }
    }

    public static string SourceName(BaseSource source) => source.ToString().ToLowerInvariant();

    [GeneratedRegex(@"^systemd (?<version>\d+)", RegexOptions.Multiline)]
    private static partial Regex SystemdVersion();
}

/// <summary>The checks that make an image a systemd test image, on the <c>docker image inspect</c> output.</summary>
public static class ImageFitness
{
    /// <summary>Input: <c>{{json .Config.Cmd}}|{{.Config.StopSignal}}|{{json .Config.Env}}</c>.</summary>
    public static IReadOnlyList<string> Problems(string inspected)
    {
        var parts = inspected.Split('|');
        var problems = new List<string>();
        if (parts.Length != 3)
        {
            return [$"cannot read the image configuration ({inspected})"];
        }

        var cmd = System.Text.Json.JsonSerializer.Deserialize<string[]>(parts[0]) ?? [];
        if (cmd.Length == 0 || !(cmd[0].EndsWith("/systemd", StringComparison.Ordinal) || cmd[0] is "/sbin/init" or "/usr/sbin/init"))
        {
            problems.Add($"its command is {parts[0]}, not systemd");
        }

        if (parts[1] != "SIGRTMIN+3")
        {
            problems.Add($"its stop signal is '{parts[1]}', not SIGRTMIN+3 (systemd would ignore docker stop)");
        }

        var env = System.Text.Json.JsonSerializer.Deserialize<string[]>(parts[2]) ?? [];
        if (!env.Any(e => e.StartsWith("container=", StringComparison.Ordinal)))
        {
            problems.Add("it does not set container= (systemd would not know it runs in a container)");
        }

        return problems;
    }
}
