using SystemdMatrix.Engines;
using SystemdMatrix.Processes;

namespace SystemdMatrix.Images;

/// <summary>
/// Builds a minimal root filesystem from a package archive (debootstrap for Debian and Ubuntu, <c>dnf
/// --installroot</c> for Fedora) and stores it in the cache as a tarball ready for <c>docker import</c>.
/// </summary>
public sealed class RootfsBootstrapper(ImageCache cache)
{
    private const string DebootstrapScripts = "/usr/share/debootstrap/scripts";

    /// <summary>Debian does not package Ubuntu's archive keyring; point at one with this variable (or install it there).</summary>
    public static string UbuntuKeyring => Settings.HarnessSettings.Current.UbuntuKeyring;

    public static IReadOnlyList<Requirement> RequirementsFor(ReleaseInfo release) => (release.Tool, release.Distro) switch
    {
        (BootstrapTool.Debootstrap, "ubuntu") =>
            [Prerequisites.Debootstrap, new Requirement(UbuntuKeyring, "Ubuntu's ubuntu-keyring (not in Debian; set SYSTEMD_MATRIX_UBUNTU_KEYRING)", "checking the Ubuntu mirror's signatures")],
        (BootstrapTool.Debootstrap, _) => [Prerequisites.Debootstrap],
        (BootstrapTool.Dnf, _) => [new Requirement("dnf", "dnf", "bootstrapping Fedora root filesystems")],
        _ => throw new ArgumentOutOfRangeException(nameof(release)),
    };

    /// <summary>The rootfs tarball for a release and mirror, building it when the cache lacks it.</summary>
    public async Task<(string Tarball, bool Cached)> EnsureAsync(ReleaseInfo release, string mirror, Action<string> log, CancellationToken cancellationToken, IReadOnlyList<string>? include = null)
    {
        include ??= [];
        var key = RecipeHash.ForRootfs(release, mirror, include);
        var tarball = cache.RootfsPath(key);
        if (File.Exists(tarball))
        {
            return (tarball, true);
        }

        Prerequisites.Require(RequirementsFor(release));
        var target = cache.Scratch($"rootfs-{release.Distro}-{release.Release}-{key}");
        var partialTar = target + ".tar";
        try
        {
            Directory.CreateDirectory(target);
            var progress = new ProgressThrottle(log, $"{release.Distro} {release.Release} rootfs");
            var arguments = release.Tool switch
            {
                BootstrapTool.Debootstrap => DebootstrapArguments(release, mirror, target, include),
                BootstrapTool.Dnf => DnfArguments(release, mirror, target),
                _ => throw new ArgumentOutOfRangeException(nameof(release)),
            };
            var program = release.Tool == BootstrapTool.Debootstrap ? "debootstrap" : "dnf";
            log($"bootstrapping {release.Distro} {release.Release} from {mirror} with {program}");
            await ProcessRunner.RunCheckedAsync(program, arguments, onOutputLine: progress.Report, cancellationToken: cancellationToken).ConfigureAwait(false);

            await ProcessRunner.RunCheckedAsync("tar", ["--numeric-owner", "--xattrs", "-C", target, "-cf", partialTar, "."], cancellationToken: cancellationToken).ConfigureAwait(false);
            Directory.CreateDirectory(Path.GetDirectoryName(tarball)!);
            File.Move(partialTar, tarball);
            return (tarball, false);
        }
        finally
        {
            await EngineTeardown.UnmountUnderAsync([target], CancellationToken.None).ConfigureAwait(false);
            if (Directory.Exists(target))
            {
                Directory.Delete(target, recursive: true);
            }

            File.Delete(partialTar);
        }
    }

    internal static IReadOnlyList<string> DebootstrapArguments(ReleaseInfo release, string mirror, string target, IReadOnlyList<string>? include = null)
    {
        var arguments = new List<string> { "--variant=minbase", "--arch=amd64" };
        if (include is { Count: > 0 })
        {
            arguments.Add("--include=" + string.Join(',', include));
        }

        if (release.Distro == "ubuntu")
        {
            arguments.Add($"--keyring={UbuntuKeyring}");
        }

        arguments.AddRange([release.Suite, target, mirror]);
        // debootstrap knows a suite by its script; newer suites than the host's debootstrap use the generic one.
        if (!File.Exists(Path.Combine(DebootstrapScripts, release.Suite)))
        {
            arguments.Add(Path.Combine(DebootstrapScripts, release.Distro == "ubuntu" ? "gutsy" : "sid"));
        }

        return arguments;
    }

    internal static IReadOnlyList<string> DnfArguments(ReleaseInfo release, string mirror, string target) =>
    [
        "--installroot", target,
        "--releasever", release.Release,
        "--disablerepo=*",
        $"--repofrompath=smx-fedora,{mirror.TrimEnd('/')}/releases/{release.Release}/Everything/x86_64/os/",
        "--enablerepo=smx-fedora",
        // The mirror is one the user named explicitly; the host (Debian) has no Fedora signing keys to check it with.
        "--nogpgcheck",
        "--setopt=install_weak_deps=False",
        "--assumeyes",
        "install", "fedora-release", "dnf", "bash", "coreutils",
    ];
}

/// <summary>Shows a long-running tool's progress without flooding: the latest line at most every few seconds.</summary>
public sealed class ProgressThrottle(Action<string> log, string label, TimeSpan? interval = null)
{
    private readonly TimeSpan _interval = interval ?? TimeSpan.FromSeconds(5);
    private readonly Lock _gate = new();
    private DateTime _last = DateTime.MinValue;

    public void Report(string line)
    {
        lock (_gate)
        {
            var now = DateTime.UtcNow;
            if (now - _last < _interval || string.IsNullOrWhiteSpace(line))
            {
                return;
            }

            _last = now;
        }

        log($"{label}: {line.Trim()}");
    }
}
