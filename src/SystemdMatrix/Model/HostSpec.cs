namespace SystemdMatrix.Model;

/// <summary>
/// Where a cell should run, as the matrix asks for it: the sandbox engine on this machine, or a VM of a Debian
/// release booted in a cgroup mode. What the host turns out to be is measured (<see cref="HostIdentity"/>).
/// </summary>
public sealed record HostSpec(string Name, HostKind Kind, string? Release, HostCgroupMode? CgroupMode)
{
    public static HostSpec Sandbox { get; } = new("sandbox", HostKind.Sandbox, null, null);

    public static HostSpec Vm(string release, HostCgroupMode mode) => new($"vm-{release}-{AxisNames.Of(mode)}", HostKind.Vm, release, mode);
}
