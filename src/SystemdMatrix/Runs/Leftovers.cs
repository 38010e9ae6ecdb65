using SystemdMatrix.Engines;
using SystemdMatrix.Hosts;
using SystemdMatrix.Images;
using SystemdMatrix.Isolation;

namespace SystemdMatrix.Runs;

/// <summary>
/// Everything a crashed or interrupted run can leave, removed in the one safe order: engines and VMs whose owner is
/// gone first (a dead builder's dockerd may still have its data-root in a cache scratch folder), then the cache's
/// scratch files, then what containers left in this machine's cgroup tree.
/// </summary>
public static class Leftovers
{
    public static async Task<IReadOnlyList<string>> ReapAsync(ImageCache cache, CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        var engines = (await EngineReaper.ReapAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
            .Concat(await VmReaper.ReapAsync(cancellationToken).ConfigureAwait(false));
        lines.AddRange(engines.Select(EngineReaper.Describe));
        lines.AddRange(cache.ReapScratch().Select(f => $"removed leftover {f}"));
        lines.AddRange((await CgroupLeftovers.ReapAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Select(d => $"removed cgroup {d} (made by a container of an earlier run)"));
        return lines;
    }
}
