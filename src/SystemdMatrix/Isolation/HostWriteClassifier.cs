using SystemdMatrix.Matrix;
using SystemdMatrix.Model;

namespace SystemdMatrix.Isolation;

/// <summary>
/// Which cells can write the host's cgroup tree outside their own subtree, decided from the flags and the host
/// before anything runs. Such a cell never runs beside another cell on the same host (its writes would change what
/// the other cell sees), and on the sandbox (this machine's own tree) or a local engine (the user's) only with an explicit opt-in.
/// </summary>
public static class HostWriteClassifier
{
    /// <summary>The option that lets cells write this machine's cgroup tree through a sandbox engine.</summary>
    public const string OptIn = "--allow-host-writes";

    /// <summary>
    /// The skipped verdict for a cell that would write a tree that is not the harness's own (this machine's, through a
    /// sandbox engine; the user's host, through a local engine) without the user's consent; null when it may run (it
    /// cannot write, the host is a VM the harness made, or the user opted in).
    /// </summary>
    public static Verdict? Consent(Cell cell, HostIdentity host, bool allowHostWrites) =>
        host.Kind == HostKind.Vm || allowHostWrites || Reason(cell, host) is not { } why
            ? null
            : host.Kind == HostKind.Local
                ? Verdict.Skipped($"skipped on a local engine: needs {OptIn}, because {why}")
                : Verdict.Skipped($"not run on this machine's own cgroup tree without {OptIn}: {why}");

    /// <summary>Why the cell can write the host's tree, or null when it cannot.</summary>
    public static string? Reason(Cell cell, HostIdentity host)
    {
        var run = cell.Run;
        var unified = host.CgroupMode == HostCgroupMode.V2;
        var hostNamespace = run.InHostCgroupNamespace(host.CgroupMode);
        var engine = ApplicabilityRule.EngineVersionOf(host.EngineVersion);

        return run switch
        {
            { CgroupMount: CgroupMount.ReadWriteBind } when hostNamespace =>
                "it binds the host's /sys/fs/cgroup read-write in the host's cgroup namespace",
            { CgroupMount: CgroupMount.ReadWriteBind } =>
                "it binds the host's /sys/fs/cgroup read-write: with a private cgroupns that exposes the host's root tree as the container's own",
            { Privilege: Privilege.Privileged } =>
                "--privileged may remount /sys/fs/cgroup read-write",
            { Privilege: Privilege.CapSysAdmin } =>
                "CAP_SYS_ADMIN may remount /sys/fs/cgroup read-write",
            { CgroupMount: CgroupMount.None } when hostNamespace && unified =>
                "in the host's cgroup namespace its engine mounts cgroup2 itself, which resets the options of the host's whole cgroup2 hierarchy (nsdelegate off, measured on every v2 host)",
            { CgroupMount: CgroupMount.ReadOnlyBind } when !unified && engine < new Version(25, 0) =>
                "on a v1 or hybrid host, engines before Docker 25 leave the submounts of a :ro bind writable",
            { CgroupMount: CgroupMount.RecursiveWritableBind } when !unified =>
                "bind-recursive=writable leaves the controller submounts of a v1 or hybrid host writable",
            { Privilege: Privilege.WritableCgroups } when hostNamespace =>
                "writable-cgroups in the host's cgroup namespace makes the host's tree writable",
            { Remedy: Remedy.ChownCgroup } =>
                "its helper container chowns cgroup directories from the host's cgroup, pid and user namespaces",
            _ => null,
        };
    }
}
