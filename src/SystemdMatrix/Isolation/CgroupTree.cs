using SystemdMatrix.Boot;
using SystemdMatrix.Engines;
using SystemdMatrix.Model;
using SystemdMatrix.Processes;

namespace SystemdMatrix.Isolation;

/// <summary>The cgroup tree of the host an engine runs on: read as a fingerprint, and put back by a script.</summary>
public interface ICgroupTree : IAsyncDisposable
{
    /// <summary>Where the tree is, for messages.</summary>
    string Where { get; }

    Task<CgroupFingerprint> ReadAsync(CancellationToken cancellationToken);

    /// <summary>Runs a restore script there; returns the steps the kernel refused.</summary>
    Task<IReadOnlyList<string>> RunAsync(string script, CancellationToken cancellationToken);
}

/// <summary>
/// This machine's own tree, which every sandbox engine shares. The subtree this process itself runs in (a login
/// session, a CI job, the workplace's own process cgroups) belongs to whoever started the harness and changes as
/// they start programs, so it is not part of the host's state.
/// </summary>
public sealed class LocalCgroupTree : ICgroupTree
{
    private readonly IReadOnlyCollection<string> _ignored = OwnSubtrees(File.ReadAllLines("/proc/self/cgroup"), HostCgroupProbe.DetectLocal());

    public string Where => "this machine (/sys/fs/cgroup)";

    public async Task<CgroupFingerprint> ReadAsync(CancellationToken cancellationToken)
    {
        var result = await ProcessRunner.RunCheckedAsync("/bin/sh", ["-c", CgroupFingerprint.Script()], cancellationToken: cancellationToken).ConfigureAwait(false);
        return CgroupFingerprint.Parse(result.StandardOutput, _ignored);
    }

    public async Task<IReadOnlyList<string>> RunAsync(string script, CancellationToken cancellationToken)
    {
        var result = await ProcessRunner.RunAsync("/bin/sh", ["-c", script], cancellationToken: cancellationToken).ConfigureAwait(false);
        return Failures(result.StandardOutput);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>
    /// The top-level cgroup this process sits in, per hierarchy, as paths relative to <c>/sys/fs/cgroup</c>
    /// (<c>memory/process_api</c>, <c>unified/user.slice</c>); nothing for hierarchies where it sits at the root.
    /// </summary>
    public static IReadOnlyCollection<string> OwnSubtrees(IEnumerable<string> procSelfCgroup, HostCgroupMode mode)
    {
        var subtrees = new List<string>();
        foreach (var line in procSelfCgroup)
        {
            var parts = line.Split(':', 3);
            if (parts.Length != 3 || parts[2] is "/" or "")
            {
                continue;
            }

            var top = parts[2].TrimStart('/').Split('/')[0];
            var hierarchy = parts[1] switch
            {
                "" => mode == HostCgroupMode.V2 ? string.Empty : "unified",
                var named when named.StartsWith("name=", StringComparison.Ordinal) => named["name=".Length..],
                var controllers => controllers,
            };
            subtrees.Add(hierarchy.Length == 0 ? top : $"{hierarchy}/{top}");
        }

        return subtrees;
    }

    internal static IReadOnlyList<string> Failures(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.StartsWith("fail ", StringComparison.Ordinal)).ToList();
}

/// <summary>
/// A VM host's tree, seen through one long-lived helper container in the host's cgroup namespace with the host's
/// <c>/sys/fs/cgroup</c> bound read-write, under a cgroup parent of its own (outside the fingerprint). Its shell is
/// fed scripts over its attached input (<see cref="AttachedShell"/>), so reading the tree costs neither a container
/// nor an exec per read. The VM is the harness's own, so the helper may be privileged.
/// </summary>
public sealed class AgentCgroupTree : ICgroupTree
{
    public const string AgentLabel = "agent";

    private readonly AttachedShell _shell;

    private AgentCgroupTree(AttachedShell shell, string where)
    {
        _shell = shell;
        Where = where;
    }

    public string Where { get; }

    public static async Task<AgentCgroupTree> StartAsync(EngineEndpoint endpoint, string helperImage, HostIdentity host, string where, CancellationToken cancellationToken)
    {
        var parent = host.CgroupDriver == CgroupDriver.Systemd ? CgroupFingerprint.AgentParent + ".slice" : "/" + CgroupFingerprint.AgentParent;
        var args = new List<string>
        {
            "--network", "none", "--label", $"{CellRunner.CellLabel}={AgentLabel}",
            "--cgroupns=host", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "--cgroup-parent", parent,
            // Privileged to set a cgroup2 hierarchy's options back (a mount in the host's cgroup namespace); the
            // bind over /sys/fs/cgroup keeps the engine from making a cgroup2 mount of its own, which would reset them.
            "--privileged",
        };
        if (host.UsernsRemap)
        {
            args.Add("--userns=host");
        }

        var shell = await AttachedShell.StartAsync(new DockerCli(endpoint), args, helperImage, cancellationToken).ConfigureAwait(false);
        return new AgentCgroupTree(shell, where);
    }

    public async Task<CgroupFingerprint> ReadAsync(CancellationToken cancellationToken)
    {
        var result = await _shell.RunAsync(CgroupFingerprint.Script(), cancellationToken).ConfigureAwait(false);
        return result.Succeeded
            ? CgroupFingerprint.Parse(result.StandardOutput)
            : throw new IOException($"{Where}: reading the cgroup tree exited with {result.ExitCode}: {result.Tail()}");
    }

    public async Task<IReadOnlyList<string>> RunAsync(string script, CancellationToken cancellationToken)
    {
        var result = await _shell.RunAsync(script, cancellationToken).ConfigureAwait(false);
        return LocalCgroupTree.Failures(result.StandardOutput);
    }

    public ValueTask DisposeAsync() => _shell.DisposeAsync();
}
