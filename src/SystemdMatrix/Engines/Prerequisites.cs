using SystemdMatrix.Processes;

namespace SystemdMatrix.Engines;

/// <summary>
/// A program (or, when <see cref="Program"/> is an absolute path, a file such as a keyring) the harness needs, and
/// the package that provides it.
/// </summary>
public sealed record Requirement(string Program, string Package, string NeededFor)
{
    public bool IsPresent => Program.StartsWith('/') ? File.Exists(Program) : ProcessRunner.FindExecutable(Program) is not null;
}

/// <summary>
/// Checks for the programs a job needs and, when allowed and running as root, installs the Debian packages that
/// provide them. A missing program always produces a message that names the package.
/// </summary>
public static class Prerequisites
{
    public static readonly Requirement Dockerd = new("dockerd", "docker.io", "the sandbox engine");
    public static readonly Requirement DockerCli = new("docker", "docker.io", "building and loading images");
    public static readonly Requirement Runc = new("runc", "runc", "cleaning up containers of crashed engines");
    public static readonly Requirement Debootstrap = new("debootstrap", "debootstrap", "building Debian root filesystems offline");

    public static IReadOnlyList<Requirement> ForSandbox { get; } = [Dockerd, DockerCli, Runc];

    public static IReadOnlyList<Requirement> ForImages { get; } = [Dockerd, DockerCli, Runc, Debootstrap];

    /// <summary>Everything, VM hosts included: what `prereqs --install` makes sure of.</summary>
    public static IReadOnlyList<Requirement> ForEverything { get; } =
    [
        Dockerd, DockerCli, Runc, Debootstrap,
        new("mkfs.ext4", "e2fsprogs", "making host disk images"),
        new("qemu-system-x86_64", "qemu-system-x86", "booting host VMs"),
        new("qemu-img", "qemu-utils", "copy-on-write disks for host VMs"),
        new("socat", "socat", "forwarding a VM's engine to a unix socket"),
        new("ip", "iproute2", "the private network namespace of each VM"),
    ];

    /// <summary>Debian's Chromium, which the report page's browser test drives (nothing is downloaded at run time).</summary>
    public static readonly Requirement Chromium = new("chromium", "chromium", "the report page's browser test");

    /// <summary>What the tests need on top of <see cref="ForEverything"/>.</summary>
    public static IReadOnlyList<Requirement> ForTests { get; } = [.. ForEverything, Chromium];

    public static IReadOnlyList<Requirement> Missing(IEnumerable<Requirement> requirements) =>
        requirements.Where(r => !r.IsPresent).ToList();

    /// <summary>The message for programs that are missing, naming the packages and the command that installs them.</summary>
    public static string Describe(IReadOnlyList<Requirement> missing)
    {
        var packages = missing.Select(m => m.Package).Distinct().ToList();
        var lines = missing.Select(m => $"  - `{m.Program}` (package {m.Package}), needed for {m.NeededFor}");
        return "Missing programs:\n" + string.Join('\n', lines) +
               $"\nInstall them with: apt-get install -y {string.Join(' ', packages)}";
    }

    /// <summary>Throws with <see cref="Describe"/> when anything is missing; also refuses to run as a non-root user.</summary>
    public static void Require(IEnumerable<Requirement> requirements)
    {
        if (!Posix.IsRoot)
        {
            throw new PrerequisiteException(
                "The sandbox engine is a dockerd the harness starts itself, which needs root. Run as root (for example with sudo).");
        }

        var missing = Missing(requirements);
        if (missing.Count > 0)
        {
            throw new PrerequisiteException(Describe(missing));
        }
    }

    /// <summary>Installs what is missing with apt-get (root only). Returns the packages installed.</summary>
    public static async Task<IReadOnlyList<string>> InstallMissingAsync(IEnumerable<Requirement> requirements, Action<string> log, CancellationToken cancellationToken)
    {
        var missing = Missing(requirements);
        if (missing.Count == 0)
        {
            return [];
        }

        var packages = missing.Select(m => m.Package).Distinct().ToList();
        if (!Posix.IsRoot || ProcessRunner.FindExecutable("apt-get") is not { } aptGet)
        {
            throw new PrerequisiteException(Describe(missing) + "\n(Not installing them: that needs root and apt-get.)");
        }

        log($"installing {string.Join(' ', packages)} with apt-get");
        var env = new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" };
        var install = await ProcessRunner.RunAsync(aptGet, ["install", "-y", "--no-install-recommends", .. packages], env, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!install.Succeeded)
        {
            // A fresh machine often has no package lists yet; one update, then one more try.
            await ProcessRunner.RunCheckedAsync(aptGet, ["update"], env, cancellationToken: cancellationToken).ConfigureAwait(false);
            install = await ProcessRunner.RunAsync(aptGet, ["install", "-y", "--no-install-recommends", .. packages], env, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        if (!install.Succeeded)
        {
            throw new PrerequisiteException($"apt-get could not install {string.Join(' ', packages)}:\n{install.Tail()}");
        }

        var stillMissing = Missing(requirements);
        return stillMissing.Count == 0 ? packages : throw new PrerequisiteException(Describe(stillMissing));
    }
}

/// <summary>Something the machine lacks; the message says what and how to get it.</summary>
public sealed class PrerequisiteException(string message) : Exception(message);
