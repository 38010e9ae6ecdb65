using SystemdMatrix.Processes;

namespace SystemdMatrix.Isolation;

/// <summary>
/// What containers of earlier runs left in this machine's cgroup tree when the run could not put it back (it crashed
/// or was killed, or predates the isolation guard): systemd's own layout (<c>init.scope</c>, <c>system.slice</c>, ...)
/// made at a hierarchy's root by a systemd that took the host's tree for its own, and the links such a systemd made at
/// the top to v1 hierarchies this machine does not mount (<c>net_cls -> net_cls,net_prio</c>, pointing nowhere). Only
/// on a machine whose PID 1 is not systemd: there none of them is the host's, while on a systemd host they all are.
/// </summary>
public static class CgroupLeftovers
{
    private static readonly string[] UnitSuffixes = [".scope", ".slice", ".service", ".mount", ".socket", ".swap"];

    /// <summary>Removes the empty unit directories below the hierarchy roots of <paramref name="root"/>; returns what it removed.</summary>
    public static async Task<IReadOnlyList<string>> ReapAsync(string root = CgroupFingerprint.Root, string? init = null, CancellationToken cancellationToken = default)
    {
        init ??= Engines.SandboxEngine.LocalInit();
        if (init == "systemd" || !Directory.Exists(root))
        {
            return [];
        }

        var removed = new List<string>();
        // v2: the root itself is the hierarchy; v1 and hybrid: each mounted folder below it is one.
        var hierarchies = File.Exists(Path.Combine(root, "cgroup.controllers")) ? [root] : Directory.EnumerateDirectories(root).Prepend(root).ToList();
        foreach (var hierarchy in hierarchies)
        {
            foreach (var unit in Directory.EnumerateDirectories(hierarchy).Where(d => UnitSuffixes.Any(s => d.EndsWith(s, StringComparison.Ordinal))))
            {
                RemoveDeepestFirst(unit, removed);
            }
        }

        removed.AddRange(await RemoveDanglingLinksAsync(root, cancellationToken).ConfigureAwait(false));
        return removed;
    }

    /// <summary>
    /// The links at the top that point at nothing. Runs before the tmpfs there was part of the host state could leave
    /// them; while they stay, containers' systemd behaves otherwise than on a fresh machine. The tmpfs may be
    /// read-only: then it is made writable for the removal and read-only again.
    /// </summary>
    private static async Task<List<string>> RemoveDanglingLinksAsync(string root, CancellationToken cancellationToken)
    {
        var dangling = Directory.EnumerateFileSystemEntries(root)
            .Where(p => new FileInfo(p).LinkTarget is { } target && !Path.Exists(Path.Combine(root, target)))
            .ToList();
        if (dangling.Count == 0)
        {
            return [];
        }

        var readOnly = root == CgroupFingerprint.Root && Engines.HostCgroupProbe.TopReadOnlyLocal();
        if (readOnly)
        {
            await ProcessRunner.RunAsync("mount", ["-o", "remount,rw", root], cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        var removed = new List<string>();
        foreach (var link in dangling)
        {
            try
            {
                File.Delete(link);
                removed.Add(link);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Left as it is: the next run's fingerprint still holds it, so every cell of that run sees the same.
            }
        }

        if (readOnly)
        {
            await ProcessRunner.RunAsync("mount", ["-o", "remount,ro", root], cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }

        return removed;
    }

    private static void RemoveDeepestFirst(string dir, List<string> removed)
    {
        foreach (var child in Directory.EnumerateDirectories(dir))
        {
            RemoveDeepestFirst(child, removed);
        }

        try
        {
            // On cgroupfs rmdir succeeds for an empty cgroup whatever files the kernel shows in it; on a plain folder
            // (tests) only when it is really empty.
            Directory.Delete(dir);
            removed.Add(dir);
        }
        catch (IOException)
        {
            // Still has processes (or children that do): not a leftover.
        }
    }
}
