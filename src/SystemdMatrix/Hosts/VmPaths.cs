namespace SystemdMatrix.Hosts;

/// <summary>
/// Where one VM keeps its files: runtime state (engine socket, QMP socket, console log, pidfile) in a root-only
/// folder under /run, its copy-on-write disk under /var/lib. The network namespace has the VM's id as its name.
/// </summary>
public sealed record VmPaths(string Id, string StateDirectory, string DataDirectory)
{
    public const string IdPrefix = "smx-vm-";

    public static string DefaultStateRoot => Settings.HarnessSettings.Current.VmStateRoot;

    public static string DefaultDataRoot => Settings.HarnessSettings.Current.VmDataRoot;

    public static VmPaths For(string id) => new(id, Path.Combine(DefaultStateRoot, id), Path.Combine(DefaultDataRoot, id));

    public static string NewId() => IdPrefix + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4));

    public string Socket => Path.Combine(StateDirectory, "docker.sock");

    public string QmpSocket => Path.Combine(StateDirectory, "qmp.sock");

    public string Console => Path.Combine(StateDirectory, "console.log");

    public string QemuPid => Path.Combine(StateDirectory, "qemu.pid");

    public string QemuLog => Path.Combine(StateDirectory, "qemu.log");

    public string SocatLog => Path.Combine(StateDirectory, "socat.log");

    public string Record => Path.Combine(StateDirectory, VmRecord.FileName);

    public string Overlay => Path.Combine(DataDirectory, "overlay.qcow2");

    /// <summary>The network namespace the VM's qemu and its socat bridge live in.</summary>
    public string Namespace => Id;
}
