using System.Diagnostics;
using System.Text.Json;
using SystemdMatrix.Engines;
using SystemdMatrix.Images;
using SystemdMatrix.Model;
using SystemdMatrix.Processes;

namespace SystemdMatrix.Hosts;

/// <summary>What a built host image holds, stored beside its disk.</summary>
public sealed record HostImageFacts(
    string Release,
    string RecipeHash,
    string DockerVersion,
    string SystemdVersion,
    string KernelVersion,
    IReadOnlyList<string> Preloaded,
    long RemapUid,
    DateTimeOffset BuiltAt);

/// <summary>A host image in the cache: a raw ext4 disk with the test images already in docker, and the kernel to boot it.</summary>
public sealed record HostImage(string Folder, HostImageFacts Facts)
{
    public string Disk => Path.Combine(Folder, "disk.raw");

    public string Kernel => Path.Combine(Folder, "vmlinuz");

    public string Initrd => Path.Combine(Folder, "initrd.img");

    /// <summary>
    /// A test image already in the host's docker, for the harness's own looks at the host (its mount table, its boot
    /// time); every host image has at least one.
    /// </summary>
    public string HelperImage => Facts.Preloaded.Count > 0
        ? Facts.Preloaded[0].Split(' ')[0]
        : throw new InvalidOperationException($"host image {Facts.Release} has no test image preloaded");
}

/// <summary>
/// Builds (or finds in the cache) the VM host image of a Debian release: debootstrap with its kernel, systemd,
/// docker.io and apparmor; the guest configuration of <see cref="HostImageFiles"/>; the test images loaded into its
/// docker data-root (plain and user-namespace-remapped) by a sandbox engine on this machine, because a
/// <c>docker load</c> into an emulated VM takes minutes; then a file system image made with <c>mkfs.ext4 -d</c>.
/// </summary>
public sealed class HostImageBuilder(ImageCache cache, string mirror)
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>Room on the disk for the cells' writable layers and logs.</summary>
    private const int HeadroomMegabytes = 3072;

    public static IReadOnlyList<Requirement> Requirements => Prerequisites.ForEverything;

    public string Key(HostRelease release, IReadOnlyList<ImageFacts> images, RemapUser remap) => RecipeHash.Of(new Dictionary<string, string>
    {
        ["kind"] = "host-image",
        ["release"] = release.Release,
        ["rootfs"] = RecipeHash.ForRootfs(release.Info, mirror, release.Packages),
        ["files"] = HostImageFiles.Fingerprint(),
        ["images"] = string.Join(',', images.OrderBy(i => i.Name, StringComparer.Ordinal).Select(i => $"{i.Name}@{i.RecipeHash}")),
        ["remap"] = $"{remap.FirstUid}:{remap.FirstGid}",
        // The image is booted once (cgroup v2, default profile) and keeps what that boot wrote.
        ["firstBoot"] = "v2/default",
    });

    public HostImage? TryGetCached(HostRelease release, string key)
    {
        var folder = Path.Combine(cache.Root, "hosts", $"{release.Release}-{key}");
        var facts = Path.Combine(folder, "host.json");
        if (!File.Exists(facts))
        {
            return null;
        }

        ImageCache.MarkUsed(folder);
        return new HostImage(folder, JsonSerializer.Deserialize<HostImageFacts>(File.ReadAllText(facts), JsonOptions)!);
    }

    public async Task<(HostImage Image, bool Cached)> EnsureAsync(HostRelease release, IReadOnlyList<ImageFacts> images, Action<string> log, CancellationToken cancellationToken)
    {
        Prerequisites.Require(Requirements);
        var remap = await UsernsRemapSetup.EnsureAsync(_ => { }, cancellationToken).ConfigureAwait(false);
        var key = Key(release, images, remap);
        foreach (var pruned in cache.PruneSuperseded("hosts", release.Release, key, ImageCache.SupersededIdle))
        {
            log($"host {release.Release}: removed {pruned} (an earlier recipe, unused for {ImageCache.SupersededIdle.TotalHours:0} h)");
        }

        if (TryGetCached(release, key) is { } cached)
        {
            return (cached, true);
        }

        var label = $"host {release.Release}";
        var (tarball, rootfsCached) = await new RootfsBootstrapper(cache).EnsureAsync(release.Info, mirror, log, cancellationToken, release.Packages).ConfigureAwait(false);
        log($"{label}: root filesystem {(rootfsCached ? "from cache" : "bootstrapped")}; configuring");

        var scratch = cache.Scratch($"host-{release.Release}-{key}");
        var rootfs = Path.Combine(scratch, "rootfs");
        var final = Path.Combine(cache.Root, "hosts", $"{release.Release}-{key}");
        try
        {
            Directory.CreateDirectory(rootfs);
            await ProcessRunner.RunCheckedAsync("tar", ["--numeric-owner", "--xattrs", "-xf", tarball, "-C", rootfs], cancellationToken: cancellationToken).ConfigureAwait(false);
            await ConfigureAsync(rootfs, remap, cancellationToken).ConfigureAwait(false);

            foreach (var profile in new[] { DaemonProfile.Default, DaemonProfile.Default with { Name = "userns-remap", UsernsRemap = true } })
            {
                log($"{label}: loading {images.Count} test images into the {(profile.UsernsRemap ? "remapped" : "plain")} docker store");
                await using var engine = await SandboxEngine.StartAsync(
                    new SandboxEngineOptions(profile, $"host image {release.Release}") { KeptDataRoot = Path.Combine(rootfs, "var", "lib", "docker") },
                    log,
                    cancellationToken).ConfigureAwait(false);
                foreach (var image in images)
                {
                    await ImageBuilder.LoadAsync(engine.Endpoint, image, _ => { }, cancellationToken).ConfigureAwait(false);
                }
            }

            var versions = await ProcessRunner.RunCheckedAsync(
                "chroot", [rootfs, "dpkg-query", "-W", "-f", "${Version}\\n", "docker.io", "systemd"], cancellationToken: cancellationToken).ConfigureAwait(false);
            var lines = versions.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var kernel = Directory.GetFiles(Path.Combine(rootfs, "boot"), "vmlinuz-*").Single();
            var initrd = Directory.GetFiles(Path.Combine(rootfs, "boot"), "initrd.img-*").Single();

            var staging = final + ".partial";
            Directory.CreateDirectory(staging);
            File.Copy(kernel, Path.Combine(staging, "vmlinuz"), overwrite: true);
            File.Copy(initrd, Path.Combine(staging, "initrd.img"), overwrite: true);

            var usedMegabytes = long.Parse((await ProcessRunner.RunCheckedAsync("du", ["-sm", "--apparent-size", rootfs], cancellationToken: cancellationToken).ConfigureAwait(false)).StandardOutput.Split('\t')[0], System.Globalization.CultureInfo.InvariantCulture);
            log($"{label}: making a {usedMegabytes + HeadroomMegabytes} MB ext4 disk");
            await ProcessRunner.RunCheckedAsync(
                "mkfs.ext4", ["-q", "-F", "-L", "smxroot", "-d", rootfs, Path.Combine(staging, "disk.raw"), $"{usedMegabytes + HeadroomMegabytes}M"],
                cancellationToken: cancellationToken).ConfigureAwait(false);

            var facts = new HostImageFacts(
                release.Release,
                key,
                lines.ElementAtOrDefault(0) ?? "?",
                lines.ElementAtOrDefault(1) ?? "?",
                Path.GetFileName(kernel)["vmlinuz-".Length..],
                images.Select(i => $"{i.Tag} ({i.RecipeHash})").ToList(),
                remap.FirstUid,
                DateTimeOffset.UtcNow);
            await File.WriteAllTextAsync(Path.Combine(staging, "host.json"), JsonSerializer.Serialize(facts, JsonOptions), cancellationToken).ConfigureAwait(false);

            // Boot it once and keep what that boot wrote. A first boot does work no later boot needs to repeat:
            // AppArmor compiles its policy for the guest kernel (trixie and forky ship about a hundred profiles, 20 s
            // under emulation), systemd runs its first-boot units, dockerd initialises its stores. Every VM booted later
            // starts from a copy-on-write overlay of this disk, so without this each would pay for all of it again.
            log($"{label}: first boot, so that every later boot starts warm");
            var firstBoot = Stopwatch.StartNew();
            await using (var vm = await VmEngine.StartAsync(new VmOptions(release, HostCgroupMode.V2, DaemonProfile.Default, new HostImage(staging, facts), $"first boot of host image {release.Release}"), log, cancellationToken).ConfigureAwait(false))
            {
                await vm.PowerDownKeepingChangesAsync(cancellationToken).ConfigureAwait(false);
            }

            log($"{label}: first boot done and kept in {firstBoot.Elapsed.TotalSeconds:0} s");
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            Directory.Move(staging, final);
            log($"{label}: built (docker.io {facts.DockerVersion}, systemd {facts.SystemdVersion}, kernel {facts.KernelVersion})");
            return (new HostImage(final, facts), false);
        }
        finally
        {
            await EngineTeardown.UnmountUnderAsync([scratch], CancellationToken.None).ConfigureAwait(false);
            if (Directory.Exists(scratch))
            {
                Directory.Delete(scratch, recursive: true);
            }

            if (Directory.Exists(final + ".partial"))
            {
                Directory.Delete(final + ".partial", recursive: true);
            }
        }
    }

    private static async Task ConfigureAsync(string rootfs, RemapUser remap, CancellationToken cancellationToken)
    {
        foreach (var (path, content) in HostImageFiles.Files(remap.FirstUid, remap.FirstGid))
        {
            var target = Path.Combine(rootfs, path);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            await File.WriteAllTextAsync(target, content, cancellationToken).ConfigureAwait(false);
        }

        File.SetUnixFileMode(Path.Combine(rootfs, "usr/local/sbin/systemd-matrix-daemon-config"), (UnixFileMode)0b111_101_101);
        await ProcessRunner.RunCheckedAsync("useradd", ["--root", rootfs, "--system", "--no-create-home", "--shell", "/bin/false", UsernsRemapSetup.User], cancellationToken: cancellationToken).ConfigureAwait(false);
        await ProcessRunner.RunCheckedAsync("chroot", [rootfs, "systemctl", "enable", "systemd-networkd.service"], cancellationToken: cancellationToken).ConfigureAwait(false);
        await ProcessRunner.RunCheckedAsync("chroot", [rootfs, "systemctl", "mask", .. HostImageFiles.Masked], cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
