using System.Text.Json;
using System.Text.Json.Nodes;
using SystemdMatrix.Model;

namespace SystemdMatrix.Engines;

/// <summary>
/// Generates the <c>daemon.json</c> of a sandbox engine from its daemon profile. Everything that could clash with
/// another engine on the machine is switched off or made unique: no default bridge, no iptables or forwarding
/// changes, its own containerd namespaces. Cells run with <c>--network none</c>, so none of that is missed.
/// </summary>
public static class DaemonConfig
{
    public const string EngineLabel = "org.systemd-matrix.engine";

    public static JsonObject Build(DaemonProfile profile, SandboxPaths paths)
    {
        var config = ProfileSettings(profile, paths.Id);
        config["containerd-namespace"] = paths.ContainerdNamespace;
        config["containerd-plugins-namespace"] = paths.ContainerdNamespace + "-plugins";
        // Owner-only access is enforced by the root-only state folder; the socket group is root too, so the
        // machine's `docker` group gets no way in even if the folder's mode were loosened.
        config["group"] = "root";
        return config;
    }

    /// <summary>
    /// The daemon.json of a VM host's engine: the same profile settings, listening on the socket unit and on the TCP
    /// port that exists only inside the VM's private network (reached through the forwarded unix socket).
    /// </summary>
    public static JsonObject BuildForVm(DaemonProfile profile, string vmId)
    {
        var config = ProfileSettings(profile, vmId);
        config["hosts"] = new JsonArray("fd://", "tcp://0.0.0.0:2375");
        return config;
    }

    /// <summary>What every engine of a profile gets, wherever it runs: no networking to set up, the profile's cgroup
    /// driver, remapping and parent, small logs, labels naming the engine and profile.</summary>
    private static JsonObject ProfileSettings(DaemonProfile profile, string engineId)
    {
        var config = new JsonObject
        {
            ["bridge"] = "none",
            ["iptables"] = false,
            ["ip-forward"] = false,
            ["ip-masq"] = false,
            ["log-driver"] = "json-file",
            ["log-opts"] = new JsonObject { ["max-size"] = "4m", ["max-file"] = "1" },
            ["labels"] = new JsonArray($"{EngineLabel}={engineId}", $"org.systemd-matrix.profile={profile.Name}"),
            // The harness only ever builds with the classic builder; BuildKit would need a separate component.
            ["features"] = new JsonObject { ["buildkit"] = false },
        };

        if (profile.CgroupDriver is { } driver)
        {
            config["exec-opts"] = new JsonArray($"native.cgroupdriver={AxisNames.Of(driver)}");
        }

        if (profile.UsernsRemap)
        {
            config["userns-remap"] = "default";
        }

        if (profile.CgroupParent is not null)
        {
            config["cgroup-parent"] = profile.CgroupParent;
        }

        return config;
    }

    public static string Render(DaemonProfile profile, SandboxPaths paths) =>
        Build(profile, paths).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";

    /// <summary>
    /// The dockerd argument list. Socket, roots and pidfile are flags (never in <c>daemon.json</c> too: dockerd refuses
    /// a setting given both ways).
    /// </summary>
    public static IReadOnlyList<string> DockerdArguments(SandboxPaths paths) =>
    [
        "--config-file", paths.ConfigFile,
        "--host", $"unix://{paths.Socket}",
        "--data-root", paths.DataRoot,
        "--exec-root", paths.ExecRoot,
        "--pidfile", paths.PidFile,
    ];
}
