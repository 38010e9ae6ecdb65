namespace SystemdMatrix.Model;

/// <summary>
/// The one spelling of every axis value, used in keys, matrix files, NUnit properties and tables.
/// Parsing goes through the same table so a name written anywhere round-trips.
/// </summary>
public static class AxisNames
{
    private static readonly Dictionary<CgroupnsMode, string> CgroupnsNames = new()
    {
        [CgroupnsMode.EngineDefault] = "default",
        [CgroupnsMode.Host] = "host",
        [CgroupnsMode.Private] = "private",
    };

    private static readonly Dictionary<CgroupMount, string> MountNames = new()
    {
        [CgroupMount.None] = "none",
        [CgroupMount.ReadOnlyBind] = "ro",
        [CgroupMount.ReadWriteBind] = "rw",
        [CgroupMount.RecursiveWritableBind] = "rrw",
    };

    private static readonly Dictionary<Privilege, string> PrivilegeNames = new()
    {
        [Privilege.None] = "none",
        [Privilege.CapSysAdmin] = "sys-admin",
        [Privilege.Privileged] = "privileged",
        [Privilege.WritableCgroups] = "writable-cgroups",
    };

    private static readonly Dictionary<Remedy, string> RemedyNames = new()
    {
        [Remedy.None] = "none",
        [Remedy.UsernsHost] = "userns-host",
        [Remedy.ChownCgroup] = "chown-cgroup",
    };

    private static readonly Dictionary<CgroupDriver, string> DriverNames = new()
    {
        [CgroupDriver.Cgroupfs] = "cgroupfs",
        [CgroupDriver.Systemd] = "systemd",
    };

    private static readonly Dictionary<HostCgroupMode, string> CgroupModeNames = new()
    {
        [HostCgroupMode.V1] = "v1",
        [HostCgroupMode.Hybrid] = "hybrid",
        [HostCgroupMode.V2] = "v2",
    };

    private static readonly Dictionary<HostKind, string> HostKindNames = new()
    {
        [HostKind.Local] = "local",
        [HostKind.Sandbox] = "sandbox",
        [HostKind.Vm] = "vm",
    };

    private static readonly Dictionary<VerdictKind, string> VerdictNames = new()
    {
        [VerdictKind.Booted] = "booted",
        [VerdictKind.Failed] = "failed",
        [VerdictKind.EngineRefused] = "engine-refused",
        [VerdictKind.NotApplicable] = "not-applicable",
        [VerdictKind.Skipped] = "skipped",
        [VerdictKind.InfrastructureError] = "infrastructure-error",
    };

    public static string Of(CgroupnsMode value) => CgroupnsNames[value];

    public static string Of(CgroupMount value) => MountNames[value];

    public static string Of(Privilege value) => PrivilegeNames[value];

    public static string Of(Remedy value) => RemedyNames[value];

    public static string Of(CgroupDriver value) => DriverNames[value];

    public static string Of(HostCgroupMode value) => CgroupModeNames[value];

    public static string Of(HostKind value) => HostKindNames[value];

    public static string Of(VerdictKind value) => VerdictNames[value];

    /// <summary>The spelling of any axis value.</summary>
    public static string Of<T>(T value)
        where T : struct, Enum => Table<T>()[value];

    /// <summary>Whether <paramref name="type"/> is one of the axis enums spelled here.</summary>
    public static bool IsAxis(Type type) => ByType.ContainsKey(type);

    /// <summary>The spellings of an axis enum given as a type, in declaration order (for schemas).</summary>
    public static IReadOnlyList<string> Names(Type type) => [.. ByType[type].Values.Cast<string>()];

    // The one list of axis types and their tables, for the generic and the Type-keyed lookups alike.
    private static readonly Dictionary<Type, System.Collections.IDictionary> ByType = new()
    {
        [typeof(CgroupnsMode)] = CgroupnsNames,
        [typeof(CgroupMount)] = MountNames,
        [typeof(Privilege)] = PrivilegeNames,
        [typeof(Remedy)] = RemedyNames,
        [typeof(CgroupDriver)] = DriverNames,
        [typeof(HostCgroupMode)] = CgroupModeNames,
        [typeof(HostKind)] = HostKindNames,
        [typeof(VerdictKind)] = VerdictNames,
    };

    public static IReadOnlyCollection<string> Names<T>()
        where T : struct, Enum => Table<T>().Values.ToList();

    public static bool TryParse<T>(string name, out T value)
        where T : struct, Enum
    {
        foreach (var (key, spelled) in Table<T>())
        {
            if (string.Equals(spelled, name, StringComparison.Ordinal))
            {
                value = key;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>The value a spelling names; for data already validated (an unknown spelling is a bug, not input).</summary>
    public static T Parse<T>(string name)
        where T : struct, Enum =>
        TryParse<T>(name, out var value) ? value : throw new ArgumentException($"'{name}' is not a {typeof(T).Name} (known: {string.Join(", ", Names<T>())})", nameof(name));

    private static IReadOnlyDictionary<T, string> Table<T>()
        where T : struct, Enum =>
        ByType.TryGetValue(typeof(T), out var table)
            ? (IReadOnlyDictionary<T, string>)table
            : throw new ArgumentException($"{typeof(T).Name} is not an axis type.");
}
