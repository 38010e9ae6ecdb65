namespace SystemdMatrix.Model;

/// <summary>
/// Where a cell should run, as the matrix asks for it: the sandbox engine on this machine, a VM of a Debian
/// release booted in a cgroup mode, or the user's own engine. What the host turns out to be is measured (<see cref="HostIdentity"/>).
/// </summary>
public sealed record HostSpec(string Name, HostKind Kind, string? Release, HostCgroupMode? CgroupMode)
{
    public static HostSpec Sandbox { get; } = new("sandbox", HostKind.Sandbox, null, null);

    /// <summary>The user's own engine (where it is, is the run's <c>--engine</c> or <c>DOCKER_HOST</c>, not part of the cell).</summary>
    public static HostSpec Local { get; } = new("local", HostKind.Local, null, null);

    public static HostSpec Vm(string release, HostCgroupMode mode) => new($"vm-{release}-{AxisNames.Of(mode)}", HostKind.Vm, release, mode);
}
