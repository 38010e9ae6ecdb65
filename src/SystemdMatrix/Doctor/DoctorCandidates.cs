using SystemdMatrix.Model;
using SystemdMatrix.Reporting;

namespace SystemdMatrix.Doctor;

/// <summary>
/// The configurations <c>doctor</c> tries, least privileged first in the report's own order
/// (<see cref="LeastPrivilege.Rank(Cell, HostIdentity)"/>): every cgroupns and bind with no privilege, then
/// <c>writable-cgroups</c>, <c>SYS_ADMIN</c> and <c>--privileged</c>; on a remapping engine each also with the container
/// opted out of the remap. All with the seed's tmpfs set, as every systemd image wants.
/// </summary>
public static class DoctorCandidates
{
    private static readonly IReadOnlyList<RunProfile> Unprivileged =
    [
        RunProfile.Default,
        RunProfile.Default.WithCgroupns(CgroupnsMode.Private),
        RunProfile.Default.WithCgroupns(CgroupnsMode.Private).WithCgroupMount(CgroupMount.ReadOnlyBind),
        RunProfile.Default.WithCgroupns(CgroupnsMode.Host).WithCgroupMount(CgroupMount.ReadOnlyBind),
        RunProfile.Default.WithCgroupns(CgroupnsMode.Private).WithCgroupMount(CgroupMount.RecursiveWritableBind),
        RunProfile.Default.WithCgroupns(CgroupnsMode.Private).WithCgroupMount(CgroupMount.ReadWriteBind),
        RunProfile.Default.WithCgroupns(CgroupnsMode.Host).WithCgroupMount(CgroupMount.ReadWriteBind),
    ];

    public static IReadOnlyList<Cell> For(string image, DaemonProfile daemon, HostIdentity host)
    {
        var runs = Unprivileged
            .Concat(new[] { Privilege.WritableCgroups, Privilege.CapSysAdmin, Privilege.Privileged }.Select(p => RunProfile.Default.WithCgroupns(CgroupnsMode.Private).WithPrivilege(p)))
            .Append(RunProfile.Default.WithCgroupns(CgroupnsMode.Host).WithCgroupMount(CgroupMount.ReadWriteBind).WithPrivilege(Privilege.Privileged));
        if (daemon.UsernsRemap)
        {
            runs = runs.SelectMany(r => new[] { r, r.WithRemedy(Remedy.UsernsHost) });
        }

        return runs.Select(r => new Cell(image, daemon, r, []) { Host = HostSpec.Local })
            .DistinctBy(c => c.Id)
            .OrderBy(c => LeastPrivilege.Rank(c, host))
            .ToList();
    }
}
