using SystemdMatrix.Model;

namespace SystemdMatrix.Engines;

/// <summary>Reads a machine's cgroup layout from its mount table.</summary>
public static class HostCgroupProbe
{
    public static HostCgroupMode DetectLocal() => Detect(File.ReadAllLines("/proc/self/mountinfo"));

    /// <summary>Whether this machine's cgroup2 hierarchy delegates at cgroup namespace boundaries (see <see cref="Delegates"/>).</summary>
    public static bool DelegatesLocal() => Delegates(File.ReadAllLines("/proc/self/mountinfo"));

    /// <summary>Whether this machine's <c>/sys/fs/cgroup</c> tmpfs is read-only (see <see cref="TopReadOnly"/>).</summary>
    public static bool TopReadOnlyLocal() => TopReadOnly(File.ReadAllLines("/proc/self/mountinfo"));

    /// <summary>
    /// Whether the tmpfs at <c>/sys/fs/cgroup</c> of a v1 or hybrid host is read-only, as its superblock says (true
    /// where the top is cgroup2 itself, and where systemd set it up: it remounts it read-only). It decides what a
    /// container with the tree bound read-write leaves there: on a writable one its systemd makes mount points for the
    /// v1 hierarchies the host lacks.
    /// </summary>
    public static bool TopReadOnly(IEnumerable<string> mountinfoLines) =>
        mountinfoLines
            .Select(line => line.Split(" - ", 2))
            .Where(parts => parts.Length == 2 && parts[0].Split(' ').ElementAtOrDefault(4) == "/sys/fs/cgroup" && parts[1].StartsWith("tmpfs ", StringComparison.Ordinal))
            .Select(parts => (parts[1].Split(' ').ElementAtOrDefault(2) ?? string.Empty).Split(',')[0] == "ro")
            .DefaultIfEmpty(true)
            .Last();

    /// <summary>
    /// Whether the cgroup2 hierarchy carries <c>nsdelegate</c> (true where there is none: a v1 host). It decides boots:
    /// without it a container with a private cgroup namespace and the host's tree bound read-write may create its
    /// cgroups outside its namespace, so it boots where a host with it (every systemd host) makes it fail.
    /// </summary>
    public static bool Delegates(IEnumerable<string> mountinfoLines)
    {
        var superOptions = mountinfoLines
            .Select(line => line.Split(" - ", 2))
            .Where(parts => parts.Length == 2 && parts[1].StartsWith("cgroup2 ", StringComparison.Ordinal))
            .Select(parts => parts[1].Split(' ').ElementAtOrDefault(2) ?? string.Empty)
            .ToList();
        return superOptions.Count == 0 || superOptions.Any(o => o.Split(',').Contains("nsdelegate"));
    }

    /// <summary>
    /// v2 when <c>/sys/fs/cgroup</c> itself is cgroup2; hybrid when v1 hierarchies sit beside a cgroup2 mount (systemd
    /// puts it at <c>/sys/fs/cgroup/unified</c>); v1 otherwise.
    /// </summary>
    public static HostCgroupMode Detect(IEnumerable<string> mountinfoLines) =>
        TryDetect(mountinfoLines) ?? throw new InvalidDataException("the mount table has no cgroup file system at all");

    /// <summary>The layout, or null when the mount table shows no cgroup file system (nothing to go by).</summary>
    public static HostCgroupMode? TryDetect(IEnumerable<string> mountinfoLines)
    {
        var cgroup2Points = new List<string>();
        var sawV1 = false;
        foreach (var line in mountinfoLines)
        {
            // Fields: id parent major:minor root mount-point options [optional...] - fstype source super-options
            var separator = line.IndexOf(" - ", StringComparison.Ordinal);
            if (separator < 0)
            {
                continue;
            }

            var left = line[..separator].Split(' ');
            var right = line[(separator + 3)..].Split(' ');
            if (left.Length < 5 || right.Length < 1)
            {
                continue;
            }

            var mountPoint = left[4];
            if (right[0] == "cgroup2")
            {
                cgroup2Points.Add(mountPoint);
            }
            else if (right[0] == "cgroup" && mountPoint.StartsWith("/sys/fs/cgroup/", StringComparison.Ordinal))
            {
                sawV1 = true;
            }
        }

        if (cgroup2Points.Contains("/sys/fs/cgroup"))
        {
            return HostCgroupMode.V2;
        }

        if (!sawV1)
        {
            return null;
        }

        return cgroup2Points.Count > 0 ? HostCgroupMode.Hybrid : HostCgroupMode.V1;
    }
}
