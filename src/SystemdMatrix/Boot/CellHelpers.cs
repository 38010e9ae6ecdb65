using System.Globalization;
using SystemdMatrix.Engines;

namespace SystemdMatrix.Boot;

/// <summary>
/// The throwaway containers a cell may need beside its own, run to completion through the <c>docker</c> CLI as
/// every other helper container of the harness is (host probes, the cgroup agent, image builds): the probe that
/// describes the cgroup mounts from inside a remapped container, and the chown-cgroup remedy's hand-over.
/// </summary>
public sealed class CellHelpers(EngineEndpoint endpoint)
{
    /// <summary>
    /// Boots a container with the cell's flags whose only job is to describe the cgroup mounts from inside: on a
    /// remapping daemon this is where "writable, but owned by the real root" shows.
    /// </summary>
    public async Task<IReadOnlyList<string>> ProbeCgroupMountAsync(ContainerSpec spec, CancellationToken cancellationToken)
    {
        var probe = spec with { HandOverCgroup = false };
        var args = new List<string> { "run", "--rm", "--network", "none", "--label", $"{CellRunner.CellLabel}=probe" };
        args.AddRange(probe.Flags());
        args.AddRange(["--entrypoint", "/bin/sh", spec.Image, "-c", CgroupScripts.Probe]);
        var result = await new DockerCli(endpoint).RunAsync(args, cancellationToken: cancellationToken).ConfigureAwait(false);
        return result.Succeeded
            ? result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(l => "inside: " + l).ToList()
            : [$"inside: the probe could not run ({BootLog.NormaliseLine(result.Tail(1))})"];
    }

    /// <summary>
    /// The chown-cgroup remedy: a helper container in the host's namespaces gives the cgroup directories of the
    /// process <paramref name="pid"/> (the cell's PID 1 as the host sees it) to its remapped root.
    /// </summary>
    public async Task<IReadOnlyList<string>> HandOverCgroupAsync(ContainerSpec spec, long pid, CancellationToken cancellationToken)
    {
        if (pid <= 0)
        {
            return ["handover: the container was not running"];
        }

        var helper = await new DockerCli(endpoint).RunAsync(
            [
                "run", "--rm", "--network", "none", "--label", $"{CellRunner.CellLabel}=handover",
                "--userns=host", "--pid=host", "--cgroupns=host", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw",
                "--entrypoint", "/bin/sh", spec.Image, "-c", CgroupScripts.HandOver, "handover", pid.ToString(CultureInfo.InvariantCulture),
            ],
            cancellationToken: cancellationToken).ConfigureAwait(false);
        var lines = helper.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => "handover: " + BootLog.NormaliseLine(l))
            .ToList();
        if (!helper.Succeeded)
        {
            lines.Add($"handover: the helper failed ({BootLog.NormaliseLine(helper.Tail(1))})");
        }

        return lines;
    }
}
