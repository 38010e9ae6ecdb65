namespace SystemdMatrix.Engines;

/// <summary>
/// Where one sandbox engine keeps its files. Runtime state (socket, exec-root, pidfile) lives under
/// <c>/run</c> in a root-only folder, so no other user can reach the socket; image and container data lives on disk.
/// Both roots are overridable so tests and unusual machines can move them.
/// </summary>
public sealed record SandboxPaths(string Id, string StateDirectory, string DataRoot)
{
    /// <summary>
    /// A data-root that belongs to someone else (a host image being prepared): teardown unmounts below it but leaves
    /// its content.
    /// </summary>
    public bool KeepDataRoot { get; init; }

    public const string IdPrefix = "smx-";

    public static string DefaultStateRoot => Settings.HarnessSettings.Current.EngineStateRoot;

    public static string DefaultDataRoot => Settings.HarnessSettings.Current.EngineDataRoot;

    public static SandboxPaths For(string id, string? stateRoot = null, string? dataRoot = null) =>
        new(id, Path.Combine(stateRoot ?? DefaultStateRoot, id), Path.Combine(dataRoot ?? DefaultDataRoot, id));

    public static string NewId() => IdPrefix + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4));

    public string Socket => Path.Combine(StateDirectory, "docker.sock");

    public Uri SocketUri => new($"unix://{Socket}");

    public string ExecRoot => Path.Combine(StateDirectory, "exec");

    public string PidFile => Path.Combine(StateDirectory, "dockerd.pid");

    public string ConfigFile => Path.Combine(StateDirectory, "daemon.json");

    public string RecordFile => Path.Combine(StateDirectory, EngineRecord.FileName);

    public string LogFile => Path.Combine(StateDirectory, "dockerd.log");

    /// <summary>
    /// dockerd with userns-remap mirrors its exec-root for the remapped root beside the state root:
    /// <c>&lt;state root&gt;.&lt;uid&gt;.&lt;gid&gt;/&lt;id&gt;.&lt;uid&gt;.&lt;gid&gt;/exec.&lt;uid&gt;.&lt;gid&gt;/…</c>. Those folders are ours too.
    /// </summary>
    public IReadOnlyList<string> RemappedStateDirectories()
    {
        var stateRoot = Path.GetDirectoryName(StateDirectory);
        if (stateRoot is null)
        {
            return [];
        }

        return RemappedRoots(stateRoot)
            .SelectMany(remappedRoot => Directory.EnumerateDirectories(remappedRoot).Where(dir => Path.GetFileName(dir).StartsWith(Id + ".", StringComparison.Ordinal)))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The <c>&lt;state root&gt;.&lt;uid&gt;.&lt;gid&gt;</c> folders beside a state root.</summary>
    public static IReadOnlyList<string> RemappedRoots(string stateRoot)
    {
        var parent = Path.GetDirectoryName(stateRoot);
        if (parent is null || !Directory.Exists(parent))
        {
            return [];
        }

        // Not a "name.*" search pattern: .NET keeps Win32 semantics, where that also matches "name" itself.
        var prefix = Path.GetFileName(stateRoot) + ".";
        return Directory.EnumerateDirectories(parent).Where(dir => Path.GetFileName(dir).StartsWith(prefix, StringComparison.Ordinal)).ToList();
    }

    /// <summary>The containerd namespace; unique per engine so engines sharing a system containerd never see each other.</summary>
    public string ContainerdNamespace => Id;
}
