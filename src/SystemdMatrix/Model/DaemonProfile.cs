namespace SystemdMatrix.Model;

public enum CgroupDriver
{
    Cgroupfs,
    Systemd,
}

/// <summary>
/// The daemon-wide half of a cell: settings that live in <c>daemon.json</c>, so each profile is its own engine.
/// </summary>
public sealed record DaemonProfile(string Name, bool UsernsRemap, CgroupDriver CgroupDriver, string? CgroupParent)
{
    /// <summary>What a fresh <c>apt-get install docker.io</c> gives: no remapping, cgroupfs driver.</summary>
    public static DaemonProfile Default { get; } = new("default", UsernsRemap: false, CgroupDriver.Cgroupfs, CgroupParent: null);

    public DaemonProfile WithUsernsRemap(bool on) => this with { UsernsRemap = on };

    public DaemonProfile WithCgroupDriver(CgroupDriver driver) => this with { CgroupDriver = driver };

    public DaemonProfile WithCgroupParent(string? parent) => this with { CgroupParent = parent };
}
