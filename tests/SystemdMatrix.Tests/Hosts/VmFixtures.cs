using SystemdMatrix.Engines;
using SystemdMatrix.Hosts;
using SystemdMatrix.Model;

namespace SystemdMatrix.Tests.Hosts;

/// <summary>The options of a VM host of a release on cgroup v2, over a host image that exists only on paper.</summary>
internal static class VmFixtures
{
    public static VmOptions Options(string release) => new(
        HostReleases.Find(release),
        HostCgroupMode.V2,
        DaemonProfile.Default,
        new HostImage($"/var/cache/systemd-matrix/hosts/{release}-x", new HostImageFacts(release, "x", HostReleases.Find(release).DockerVersion, "?", "?", ["systemd-matrix/debian:bookworm x"], 100000, DateTimeOffset.UnixEpoch)),
        "test");
}
