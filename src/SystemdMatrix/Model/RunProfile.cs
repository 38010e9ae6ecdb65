namespace SystemdMatrix.Model;

/// <summary>The container's cgroup namespace: the engine's default (flag omitted), the host's, or a private one.</summary>
public enum CgroupnsMode
{
    EngineDefault,
    Host,
    Private,
}

/// <summary>How the host's <c>/sys/fs/cgroup</c> reaches the container.</summary>
public enum CgroupMount
{
    /// <summary>No bind: the engine mounts the container's own cgroup view.</summary>
    None,

    /// <summary><c>-v /sys/fs/cgroup:/sys/fs/cgroup:ro</c>.</summary>
    ReadOnlyBind,

    /// <summary><c>-v /sys/fs/cgroup:/sys/fs/cgroup:rw</c>.</summary>
    ReadWriteBind,

    /// <summary><c>--mount type=bind,...,bind-recursive=writable</c> (engines that have it, API 1.44 and later).</summary>
    RecursiveWritableBind,
}

/// <summary>The privilege the container is given.</summary>
public enum Privilege
{
    None,
    CapSysAdmin,
    Privileged,

    /// <summary><c>--security-opt writable-cgroups=true</c>, which engines from 28 understand.</summary>
    WritableCgroups,
}

/// <summary>
/// What the cell does about user-namespace remapping, when the daemon remaps: nothing, opt this container out
/// (<c>--userns=host</c>), or hand the container's own cgroup to the remapped root before systemd starts.
/// </summary>
public enum Remedy
{
    None,
    UsernsHost,
    ChownCgroup,
}

/// <summary>
/// The container-level half of a cell: everything a <c>docker run</c> line says about systemd's environment.
/// Immutable; the <c>With*</c> methods return changed copies.
/// </summary>
public sealed record RunProfile(
    CgroupnsMode Cgroupns,
    CgroupMount CgroupMount,
    Privilege Privilege,
    bool Tmpfs,
    Remedy Remedy = Remedy.None)
{
    /// <summary>The tmpfs mounts the seed report (and most systemd images) use when <see cref="Tmpfs"/> is on.</summary>
    public static IReadOnlyList<string> TmpfsPaths { get; } = ["/run", "/run/lock", "/tmp"];

    public static RunProfile Default { get; } = new(CgroupnsMode.EngineDefault, CgroupMount.None, Privilege.None, Tmpfs: true);

    /// <summary>Whether the container is in the host's cgroup namespace: asked for, or the engine's default on a v1 or hybrid host (private on v2).</summary>
    public bool InHostCgroupNamespace(HostCgroupMode? hostMode) =>
        Cgroupns == CgroupnsMode.Host || (Cgroupns == CgroupnsMode.EngineDefault && hostMode != HostCgroupMode.V2);

    public RunProfile WithCgroupns(CgroupnsMode mode) => this with { Cgroupns = mode };

    public RunProfile WithCgroupMount(CgroupMount mount) => this with { CgroupMount = mount };

    public RunProfile WithPrivilege(Privilege privilege) => this with { Privilege = privilege };

    public RunProfile WithTmpfs(bool tmpfs) => this with { Tmpfs = tmpfs };

    public RunProfile WithRemedy(Remedy remedy) => this with { Remedy = remedy };

    /// <summary>A short, file-name-safe key, stable across runs: it names snapshots and result files.</summary>
    public string Key =>
        $"cgns-{AxisNames.Of(Cgroupns)}_mount-{AxisNames.Of(CgroupMount)}_priv-{AxisNames.Of(Privilege)}_tmpfs-{(Tmpfs ? "on" : "off")}"
        + (Remedy == Remedy.None ? string.Empty : $"_fix-{AxisNames.Of(Remedy)}");
}
