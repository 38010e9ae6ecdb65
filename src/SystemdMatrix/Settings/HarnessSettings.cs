using System.Collections;

namespace SystemdMatrix.Settings;

/// <summary>One environment variable the harness reads: its name, what it holds when unset, and what it is for.</summary>
public sealed record SettingVariable(string Name, string Default, string Meaning);

/// <summary>The settings were given a value the harness cannot use; the message lists every such variable at once.</summary>
public sealed class SettingsException(string message) : Exception(message);

/// <summary>
/// Everything the harness reads from the environment, parsed once and checked before anything starts: a variable
/// with an unusable value, or one spelled like the harness's (<c>SYSTEMD_MATRIX_*</c>) that it does not read, is an
/// error naming it, not a value silently ignored. The command line's options live in each verb's own record
/// (<c>MatrixRunOptions</c>); <see cref="Variables"/> is what docs/settings.md's table of variables is checked against.
/// </summary>
public sealed record HarnessSettings
{
    public const string Prefix = "SYSTEMD_MATRIX_";

    public static IReadOnlyList<SettingVariable> Variables { get; } =
    [
        new(Prefix + "CACHE", "/var/cache/systemd-matrix", "root filesystems, image archives and VM disks, keyed by a hash of their recipe"),
        new(Prefix + "STATE_ROOT", "/run/systemd-matrix/engines", "sandbox engines' sockets, exec-roots and owner records (root-only)"),
        new(Prefix + "DATA_ROOT", "/var/lib/systemd-matrix/engines", "sandbox engines' data roots (images, containers)"),
        new(Prefix + "VM_STATE_ROOT", "/run/systemd-matrix/vms", "VM hosts' engine and QMP sockets, consoles and owner records (root-only)"),
        new(Prefix + "VM_DATA_ROOT", "/var/lib/systemd-matrix/vms", "VM hosts' copy-on-write disks"),
        new(Prefix + "ACCEL", "probed", "`kvm` or `tcg`: the VM accelerator, instead of a test boot that decides"),
        new(Prefix + "ACCEL_RECORD", "/run/systemd-matrix/accelerator", "where the test boot's answer is kept until the machine restarts"),
        new(Prefix + "VM_SNAPSHOTS", "on", "`off` boots every VM host cold instead of resuming it from the memory and disk saved in the cache when its engine first answered"),
        new(Prefix + "REGISTRY", "probed", "`on` or `off`: whether images may be built from a registry's base, instead of a probe of registry-1.docker.io"),
        new(Prefix + "MIRROR_DEBIAN", "the manifest's", "Debian archive to bootstrap root filesystems from"),
        new(Prefix + "MIRROR_UBUNTU", "the manifest's", "Ubuntu archive to bootstrap root filesystems from"),
        new(Prefix + "MIRROR_FEDORA", "the manifest's", "Fedora archive to bootstrap root filesystems from"),
        new(Prefix + "UBUNTU_KEYRING", "/usr/share/keyrings/ubuntu-archive-keyring.gpg", "Ubuntu's archive keyring (Debian does not package it)"),
        new(Prefix + "TEST_MATRIX", "smoke,smoke-v2", "boot tests: the matrices whose cells they boot (comma-separated)"),
        new(Prefix + "ALLOW_HOST_WRITES", "0", "boot tests: `1` runs cells that can write this machine's cgroup tree (`--allow-host-writes=true` sets it)"),
    ];

    private static readonly Lazy<HarnessSettings> FromProcess = new(() => Parse(Snapshot(Environment.GetEnvironmentVariables())));

    public required string Cache { get; init; }

    public required string EngineStateRoot { get; init; }

    public required string EngineDataRoot { get; init; }

    public required string VmStateRoot { get; init; }

    public required string VmDataRoot { get; init; }

    /// <summary><c>kvm</c> or <c>tcg</c> when forced; null to probe.</summary>
    public string? Accelerator { get; init; }

    public required string AcceleratorRecord { get; init; }

    /// <summary>Whether VM hosts resume from a saved snapshot (<see cref="Hosts.VmSnapshots"/>) instead of booting cold.</summary>
    public bool VmSnapshots { get; init; } = true;

    /// <summary>True or false when forced; null to probe.</summary>
    public bool? Registry { get; init; }

    public string? MirrorDebian { get; init; }

    public string? MirrorUbuntu { get; init; }

    public string? MirrorFedora { get; init; }

    public required string UbuntuKeyring { get; init; }

    public required IReadOnlyList<string> TestMatrices { get; init; }

    public bool AllowHostWrites { get; init; }

    /// <summary>This process's settings, parsed on first use (throws <see cref="SettingsException"/> when any is unusable).</summary>
    public static HarnessSettings Current => FromProcess.Value;

    /// <summary>The settings in an environment; every unusable or unknown variable is reported in one exception.</summary>
    public static HarnessSettings Parse(IReadOnlyDictionary<string, string> environment)
    {
        var problems = new List<string>();
        string? Raw(string suffix) => environment.TryGetValue(Prefix + suffix, out var value) && value.Length > 0 ? value : null;
        string Default(string suffix) => Variables.Single(v => v.Name == Prefix + suffix).Default;

        string AbsolutePath(string suffix)
        {
            var value = Raw(suffix) ?? Default(suffix);
            if (!Path.IsPathFullyQualified(value))
            {
                problems.Add($"{Prefix}{suffix}={value}: not an absolute path");
            }

            return value;
        }

        string? OneOf(string suffix, params string[] allowed)
        {
            var value = Raw(suffix);
            if (value is not null && !allowed.Contains(value, StringComparer.Ordinal))
            {
                problems.Add($"{Prefix}{suffix}={value}: not one of {string.Join(", ", allowed)}");
                return null;
            }

            return value;
        }

        string? Url(string suffix)
        {
            var value = Raw(suffix);
            if (value is not null && !(Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
            {
                problems.Add($"{Prefix}{suffix}={value}: not an http or https address");
                return null;
            }

            return value;
        }

        var matrices = (Raw("TEST_MATRIX") ?? Default("TEST_MATRIX")).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (matrices.Length == 0)
        {
            problems.Add($"{Prefix}TEST_MATRIX: names no matrix");
        }

        var known = Variables.Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var unknown in environment.Keys.Where(k => k.StartsWith(Prefix, StringComparison.Ordinal) && !known.Contains(k)).Order(StringComparer.Ordinal))
        {
            problems.Add($"{unknown}: not a variable the harness reads (known: {string.Join(", ", known)})");
        }

        var settings = new HarnessSettings
        {
            Cache = AbsolutePath("CACHE"),
            EngineStateRoot = AbsolutePath("STATE_ROOT"),
            EngineDataRoot = AbsolutePath("DATA_ROOT"),
            VmStateRoot = AbsolutePath("VM_STATE_ROOT"),
            VmDataRoot = AbsolutePath("VM_DATA_ROOT"),
            Accelerator = OneOf("ACCEL", "kvm", "tcg"),
            AcceleratorRecord = AbsolutePath("ACCEL_RECORD"),
            VmSnapshots = OneOf("VM_SNAPSHOTS", "on", "off") != "off",
            Registry = OneOf("REGISTRY", "on", "off") switch { "on" => true, "off" => false, _ => null },
            MirrorDebian = Url("MIRROR_DEBIAN"),
            MirrorUbuntu = Url("MIRROR_UBUNTU"),
            MirrorFedora = Url("MIRROR_FEDORA"),
            UbuntuKeyring = AbsolutePath("UBUNTU_KEYRING"),
            TestMatrices = matrices,
            AllowHostWrites = OneOf("ALLOW_HOST_WRITES", "0", "1", "false", "true") is "1" or "true",
        };
        return problems.Count > 0 ? throw new SettingsException(string.Join('\n', problems)) : settings;
    }

    public const string PageBegin = "<!-- settings:begin (every variable the harness reads; a test checks it against HarnessSettings.Variables) -->";
    public const string PageEnd = "<!-- settings:end -->";

    /// <summary>docs/settings.md's table of variables, between <see cref="PageBegin"/> and <see cref="PageEnd"/>.</summary>
    public static string ToMarkdown() =>
        "| variable | when unset | what it sets |\n|---|---|---|\n"
        + string.Concat(Variables.Select(v => $"| `{v.Name}` | {(v.Default.StartsWith('/') ? $"`{v.Default}`" : v.Default)} | {v.Meaning} |\n"));

    private static Dictionary<string, string> Snapshot(IDictionary variables) =>
        variables.Cast<DictionaryEntry>()
            .Where(e => e.Key is string name && name.StartsWith(Prefix, StringComparison.Ordinal))
            .ToDictionary(e => (string)e.Key, e => e.Value as string ?? string.Empty, StringComparer.Ordinal);
}
