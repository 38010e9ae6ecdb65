namespace SystemdMatrix.Model;

public enum CgroupDriver
{
    Cgroupfs,
    Systemd,
}

/// <summary>
/// The daemon-wide half of a cell: settings that live in <c>daemon.json</c>, so each profile is its own engine.
/// A null <see cref="CgroupDriver"/> sets none: the engine picks, as it does for a user who never configured it.
/// </summary>
public sealed record DaemonProfile(string Name, bool UsernsRemap, CgroupDriver? CgroupDriver, string? CgroupParent)
{
    /// <summary>What a fresh <c>apt-get install docker.io</c> gives: no remapping, the engine's own choice of driver.</summary>
    public static DaemonProfile Default { get; } = new("default", UsernsRemap: false, CgroupDriver: null, CgroupParent: null);

    public DaemonProfile WithUsernsRemap(bool on) => this with { UsernsRemap = on };

    public DaemonProfile WithCgroupDriver(CgroupDriver? driver) => this with { CgroupDriver = driver };

    /// <summary>
    /// The driver an engine of this profile runs with on a host: the profile's, or the one Docker 20.10 and later pick
    /// themselves (systemd on a cgroup v2 host whose PID 1 is systemd, cgroupfs elsewhere).
    /// </summary>
    public CgroupDriver DriverOn(HostCgroupMode mode, bool systemdInit) =>
        CgroupDriver ?? (mode == HostCgroupMode.V2 && systemdInit ? Model.CgroupDriver.Systemd : Model.CgroupDriver.Cgroupfs);

    public DaemonProfile WithCgroupParent(string? parent) => this with { CgroupParent = parent };
}
