namespace SystemdMatrix.Model;

public enum HostKind
{
    /// <summary>The engine <c>DOCKER_HOST</c> points at; used read-only unless the user opts in.</summary>
    Local,

    /// <summary>A <c>dockerd</c> the harness starts itself on a private socket.</summary>
    Sandbox,

    /// <summary>A virtual machine the harness builds and boots.</summary>
    Vm,
}

/// <summary>The host's cgroup layout, as the kernel and its init set it up.</summary>
public enum HostCgroupMode
{
    /// <summary>Legacy: only v1 hierarchies.</summary>
    V1,

    /// <summary>v1 controllers plus a cgroup2 mount at <c>/sys/fs/cgroup/unified</c>.</summary>
    Hybrid,

    /// <summary>Unified: <c>/sys/fs/cgroup</c> is itself cgroup2.</summary>
    V2,
}

/// <summary>
/// What was measured about the host a cell ran on. Its <see cref="Key"/> keys reusable results (the exact engine
/// build), its <see cref="ClassKey"/> approved snapshots: the same cell on another engine version or cgroup mode is a
/// different observation, not a regression.
/// </summary>
public sealed record HostIdentity(
    HostKind Kind,
    string EngineVersion,
    HostCgroupMode CgroupMode,
    CgroupDriver CgroupDriver,
    bool UsernsRemap,
    string KernelVersion)
{
    /// <summary>The Engine API version the engine reports as its own (its highest), e.g. <c>1.41</c>.</summary>
    public string ApiVersion { get; init; } = string.Empty;

    /// <summary>Whether the host's PID 1 is systemd: the systemd cgroup driver needs it.</summary>
    public bool SystemdInit { get; init; }

    /// <summary>The name of the host's PID 1 (systemd, or whatever else runs there).</summary>
    public string Init { get; init; } = "unknown";

    /// <summary>For VM hosts, the Debian release the host runs (empty for the sandbox).</summary>
    public string Release { get; init; } = string.Empty;

    /// <summary>
    /// Whether the host's cgroup2 hierarchy carries <c>nsdelegate</c>, which decides some boots (systemd hosts mount
    /// it so; a machine whose PID 1 is something else may not). Only its absence shows in <see cref="Key"/>, so
    /// the snapshots of hosts that have it keep their keys.
    /// </summary>
    public bool CgroupNsDelegate { get; init; } = true;

    /// <summary>
    /// Whether the tmpfs at <c>/sys/fs/cgroup</c> is read-only (v1 and hybrid; true on v2, where there is none, and on
    /// systemd hosts, which remount it so). It decides what a container with the tree bound read-write leaves there,
    /// so only a writable one shows in <see cref="Key"/> (<c>_rw-cgroup-tmpfs</c>), the others keep their keys.
    /// </summary>
    public bool CgroupTopReadOnly { get; init; } = true;

    /// <summary>For VM hosts, whether qemu ran with KVM or TCG emulation.</summary>
    public string Accelerator { get; init; } = string.Empty;

    public string Key => KeyWith(EngineVersion);

    /// <summary>
    /// The host's class, which keys approved snapshots: what decides a boot (kind and release, cgroup mode, engine
    /// version as major.minor, driver, remap and the tree's options), not one distribution's exact package build, so
    /// a runner whose Docker is another build of the same version checks the same snapshots.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string ClassKey => KeyWith(EngineMajorMinor);

    /// <summary>The engine version as major.minor (<c>20.10</c> of <c>20.10.24+dfsg1</c>).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string EngineMajorMinor => MajorMinorOf(EngineVersion);

    public static string MajorMinorOf(string engineVersion)
    {
        var version = Matrix.ApplicabilityRule.EngineVersionOf(engineVersion);
        return $"{version.Major}.{Math.Max(0, version.Minor)}";
    }

    private string KeyWith(string engine) =>
        $"{AxisNames.Of(Kind)}{(Release.Length > 0 ? "-" + Release : string.Empty)}_docker-{engine}_{AxisNames.Of(CgroupMode)}_{AxisNames.Of(CgroupDriver)}{(UsernsRemap ? "_userns-remap" : string.Empty)}{(CgroupNsDelegate ? string.Empty : "_no-nsdelegate")}{(CgroupTopReadOnly ? string.Empty : "_rw-cgroup-tmpfs")}";

    public string Describe() =>
        $"{(Kind == HostKind.Vm ? $"VM Debian {Release}" : AxisNames.Of(Kind))} Docker {EngineVersion}, cgroup {AxisNames.Of(CgroupMode)}, driver {AxisNames.Of(CgroupDriver)}, userns-remap {(UsernsRemap ? "on" : "off")}{(CgroupNsDelegate ? string.Empty : ", cgroup2 without nsdelegate")}{(CgroupTopReadOnly ? string.Empty : ", /sys/fs/cgroup tmpfs writable")}";
}
