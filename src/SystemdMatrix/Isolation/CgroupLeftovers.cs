namespace SystemdMatrix.Isolation;

/// <summary>
/// What containers of earlier runs left in this machine's cgroup tree when the run could not put it back (it crashed
/// or was killed, or predates the isolation guard): systemd's own layout (<c>init.scope</c>, <c>system.slice</c>, ...)
/// made at a hierarchy's root by a systemd that took the host's tree for its own. Only on a machine whose PID 1 is not
/// systemd: there no such directory is the host's, while on a systemd host they all are.
/// </summary>
public static class CgroupLeftovers
{
    private static readonly string[] UnitSuffixes = [".scope", ".slice", ".service", ".mount", ".socket", ".swap"];

    /// <summary>Removes the empty unit directories below the hierarchy roots of <paramref name="root"/>; returns what it removed.</summary>
    public static IReadOnlyList<string> Reap(string root = CgroupFingerprint.Root, string? init = null)
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
