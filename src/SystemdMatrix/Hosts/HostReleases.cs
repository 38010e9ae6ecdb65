using SystemdMatrix.Images;
using SystemdMatrix.Model;

namespace SystemdMatrix.Hosts;

/// <summary>A Debian release the harness can build a host VM from, with the engine and systemd it brings.</summary>
public sealed record HostRelease(string Release, string DockerVersion, string SystemdVersion, bool NeedsLegacyForce)
{
    public ReleaseInfo Info => DistroCatalogue.Find("debian", Release)!;

    /// <summary>
    /// The kernel command line that makes systemd mount the cgroup layout. systemd 256 and 257 boot v1 and hybrid
    /// only when forced; 258 and later not at all (a rule in matrix/matrices.json says so).
    /// </summary>
    public string CgroupArguments(HostCgroupMode mode)
    {
        var force = NeedsLegacyForce ? " SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE=1" : string.Empty;
        return mode switch
        {
            HostCgroupMode.V2 => "systemd.unified_cgroup_hierarchy=1",
            HostCgroupMode.Hybrid => "systemd.unified_cgroup_hierarchy=0 systemd.legacy_systemd_cgroup_controller=0" + force,
            _ => "systemd.unified_cgroup_hierarchy=0 systemd.legacy_systemd_cgroup_controller=1" + force,
        };
    }
}

public static class HostReleases
{
    public static IReadOnlyList<HostRelease> All { get; } =
    [
        new("bullseye", "20.10.5", "247", NeedsLegacyForce: false),
        new("bookworm", "20.10.24", "252", NeedsLegacyForce: false),
        new("trixie", "26.1.5", "257", NeedsLegacyForce: true),
        new("forky", "28.5.2", "262", NeedsLegacyForce: false),
    ];

    public static HostRelease Find(string release) =>
        All.FirstOrDefault(r => r.Release == release)
        ?? throw new ArgumentException($"no host image for Debian '{release}' (known: {string.Join(", ", All.Select(r => r.Release))})", nameof(release));

    /// <summary>What every host image has: its kernel, systemd (and D-Bus, which the systemd cgroup driver talks to), docker.io, apparmor.</summary>
    public static IReadOnlyList<string> Packages { get; } =
        ["linux-image-cloud-amd64", "systemd-sysv", "dbus", "udev", "kmod", "iproute2", "docker.io", "apparmor"];
}
