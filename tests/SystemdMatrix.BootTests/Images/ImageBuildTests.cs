using System.Text.Json;
using SystemdMatrix.Engines;
using SystemdMatrix.Images;
using SystemdMatrix.Model;
using SystemdMatrix.Processes;

namespace SystemdMatrix.BootTests.Images;

/// <summary>The images as built (or taken from the cache): real archives, loaded into a real engine and inspected.</summary>
[NonParallelizable]
public sealed class ImageBuildTests
{
    public static IEnumerable<string> DebianImages() =>
        BootEnvironment.Manifest.Images.Where(i => i.Distro == "debian").Select(i => i.Name);

    public static IEnumerable<string> RegistryOnlyImages() =>
        BootEnvironment.Manifest.Images.Where(i => i.Distro != "debian").Select(i => i.Name);

    [TestCaseSource(nameof(DebianImages))]
    [CancelAfter(600_000)]
    public async Task Debian_images_build_offline_and_are_fit_for_systemd(string name, CancellationToken cancellationToken)
    {
        var status = await BootEnvironment.ImageAsync(name);
        Assert.That(status.IsAvailable, Is.True, status.Reason);
        var facts = status.Facts!;
        var session = await BootEnvironment.SessionAsync(DaemonProfile.Default, [facts]);
        var cli = new DockerCli(session.Engine.Endpoint);

        var inspect = await cli.RunCheckedAsync(["image", "inspect", facts.Tag], cancellationToken: cancellationToken);
        var config = JsonDocument.Parse(inspect.StandardOutput).RootElement[0].GetProperty("Config");
        var cmd = config.GetProperty("Cmd").EnumerateArray().Select(e => e.GetString()).ToList();
        var env = config.GetProperty("Env").EnumerateArray().Select(e => e.GetString()).ToList();
        var labels = config.GetProperty("Labels");
        var stopSignal = config.TryGetProperty("StopSignal", out var s) ? s.GetString() : null;

        Assert.That(cmd, Is.EqualTo(new[] { "/lib/systemd/systemd" }));
        Assert.That(env, Does.Contain("container=docker"));
        Assert.That(labels.GetProperty("org.systemd-matrix.recipe-hash").GetString(), Is.EqualTo(facts.RecipeHash));
        Assert.That(labels.GetProperty("org.systemd-matrix.base-source").GetString(), Is.EqualTo(facts.BaseSource));
        if (name == "seed-replica")
        {
            // The report's Dockerfile, as written: no STOPSIGNAL, and the VOLUME over /sys/fs/cgroup.
            Assert.That(stopSignal, Is.Null.Or.Empty);
            Assert.That(config.GetProperty("Volumes").TryGetProperty("/sys/fs/cgroup", out _), Is.True);
        }
        else
        {
            Assert.That(stopSignal, Is.EqualTo("SIGRTMIN+3"));
        }

        // The label must be what the image's own systemd says, not what the manifest hoped for.
        var version = await cli.RunCheckedAsync(["run", "--rm", "--network", "none", "--entrypoint", "systemctl", facts.Tag, "--version"], cancellationToken: cancellationToken);
        var label = labels.GetProperty("org.systemd-matrix.systemd-version").GetString();
        Assert.That(version.StandardOutput, Does.StartWith($"systemd {label} "));
        Assert.That(facts.SystemdVersion, Is.EqualTo(label));
    }

    [Test]
    public void The_debian_releases_carry_the_systemd_versions_the_brief_names()
    {
        var expected = new Dictionary<string, string>
        {
            ["debian-bullseye"] = "247",
            ["debian-bookworm"] = "252",
            ["debian-trixie"] = "257",
            ["debian-forky"] = "262",
        };

        foreach (var (name, version) in expected)
        {
            var status = BootEnvironment.ImageAsync(name).GetAwaiter().GetResult();
            Assert.That(status.Facts?.SystemdVersion, Is.EqualTo(version), name);
        }
    }

    [TestCaseSource(nameof(RegistryOnlyImages))]
    public async Task Images_whose_base_cannot_be_had_are_unavailable_with_the_reason(string name)
    {
        var status = await BootEnvironment.ImageAsync(name);
        var (registry, _) = await RegistryProbe.IsReachableAsync();
        var image = BootEnvironment.Manifest.Find(name);
        if (registry || BootEnvironment.Manifest.Mirrors.With(SystemdMatrix.Settings.HarnessSettings.Current).For(image.Distro) is not null)
        {
            Assert.That(status.State, Is.Not.EqualTo(ImageState.Unavailable), "a base source exists here, so the image must build");
            return;
        }

        Assert.That(status.State, Is.EqualTo(ImageState.Unavailable));
        Assert.That(status.Facts, Is.Null);
        Assert.That(status.Reason, Does.Contain("registry-1.docker.io"));
        Assert.That(status.Reason, Does.Contain($"no {image.Distro} mirror is configured"));
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task A_cached_image_is_returned_without_starting_an_engine(CancellationToken cancellationToken)
    {
        var image = BootEnvironment.Manifest.Find("debian-bookworm");
        await BootEnvironment.ImageAsync(image.Name);
        var builder = new ImageBuilder(BootEnvironment.Manifest, BootEnvironment.Layout.ImagesRoot, new ImageCache(ImageCache.DefaultRoot));

        var status = await builder.EnsureAsync(image, () => throw new AssertionException("a warm cache must not need an engine"), BootEnvironment.Log, cancellationToken);

        Assert.That(status.State, Is.EqualTo(ImageState.Cached));
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task A_failing_recipe_leaves_no_tagged_image_and_nothing_in_the_cache(CancellationToken cancellationToken)
    {
        var (builder, image, cache, root) = BrokenBuilder("RUN false\n");
        try
        {
            await using var engine = await SandboxEngine.StartAsync(new SandboxEngineOptions(DaemonProfile.Default, "broken recipe test"), BootEnvironment.Log, cancellationToken);

            Assert.ThrowsAsync<ProcessFailedException>(() => builder.EnsureAsync(image, () => Task.FromResult(engine.Endpoint), BootEnvironment.Log, cancellationToken));

            var tagged = await new DockerCli(engine.Endpoint).RunAsync(["image", "inspect", image.Tag], cancellationToken: cancellationToken);
            Assert.That(tagged.Succeeded, Is.False, "the final tag must not exist after a failed build");
            Assert.That(Directory.EnumerateFiles(Path.Combine(cache.Root, "images"), $"{image.Name}-*").ToList(), Is.Empty);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task An_image_without_systemd_is_refused_with_a_clear_message(CancellationToken cancellationToken)
    {
        var (builder, image, _, root) = BrokenBuilder("RUN rm -f /bin/systemctl /usr/bin/systemctl\n");
        try
        {
            await using var engine = await SandboxEngine.StartAsync(new SandboxEngineOptions(DaemonProfile.Default, "no-systemd test"), BootEnvironment.Log, cancellationToken);

            var ex = Assert.ThrowsAsync<ImageUnfitException>(() => builder.EnsureAsync(image, () => Task.FromResult(engine.Endpoint), BootEnvironment.Log, cancellationToken));

            Assert.That(ex!.Message, Does.Contain($"{image.Name}: the built image has no working systemd"));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>
    /// A copy of the bookworm recipe with one extra step appended, in its own images folder and cache, so that a
    /// broken build cannot touch the real ones. The bootstrapped root filesystem is shared (by hardlink) to stay fast.
    /// </summary>
    private static (ImageBuilder Builder, ImageDefinition Image, ImageCache Cache, string Root) BrokenBuilder(string extraStep)
    {
        var root = Path.Combine(Path.GetTempPath(), "smx-broken-" + Guid.NewGuid().ToString("N")[..8]);
        var imagesRoot = Path.Combine(root, "images");
        Directory.CreateDirectory(Path.Combine(imagesRoot, "templates"));
        var template = File.ReadAllText(Path.Combine(BootEnvironment.Layout.ImagesRoot, "templates", "debian.Dockerfile"));
        File.WriteAllText(Path.Combine(imagesRoot, "templates", "debian.Dockerfile"), template.Replace("STOPSIGNAL", extraStep + "STOPSIGNAL", StringComparison.Ordinal));

        var real = BootEnvironment.Manifest.Find("debian-bookworm");
        var image = real with { Name = "broken-bookworm", Variant = "broken", Source = BaseSource.Bootstrap };
        var manifest = BootEnvironment.Manifest with { Images = [image] };
        var cache = new ImageCache(Path.Combine(root, "cache"));
        var rootfsKey = RecipeHash.ForRootfs(image.ReleaseInfo, manifest.Mirrors.With(SystemdMatrix.Settings.HarnessSettings.Current).For("debian")!);
        var sharedRootfs = new ImageCache(ImageCache.DefaultRoot).RootfsPath(rootfsKey);
        if (File.Exists(sharedRootfs))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(cache.RootfsPath(rootfsKey))!);
            File.Copy(sharedRootfs, cache.RootfsPath(rootfsKey));
        }

        Directory.CreateDirectory(Path.Combine(cache.Root, "images"));
        return (new ImageBuilder(manifest, imagesRoot, cache), image, cache, root);
    }
}
