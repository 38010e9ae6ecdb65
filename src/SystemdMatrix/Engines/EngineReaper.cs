namespace SystemdMatrix.Engines;

/// <summary>One engine the reaper took apart, and what it found still there.</summary>
public sealed record ReapedEngine(string Id, string Why, IReadOnlyList<string> Removed);

/// <summary>
/// Finds sandbox engines whose owner is gone (a crash, a kill -9, a Ctrl-C that came too fast) and tears them down.
/// Engines whose owner is still running belong to a concurrent run and are left alone.
/// </summary>
public static class EngineReaper
{
    public static async Task<IReadOnlyList<ReapedEngine>> ReapAsync(string? stateRoot = null, string? dataRoot = null, CancellationToken cancellationToken = default)
    {
        stateRoot ??= SandboxPaths.DefaultStateRoot;
        dataRoot ??= SandboxPaths.DefaultDataRoot;
        // A data folder without its state folder: the machine rebooted (/run is gone) or the state was deleted by hand.
        var reaped = await new Processes.OwnedFolders<EngineRecord>(stateRoot, dataRoot, SandboxPaths.IdPrefix, EngineRecord.FileName).ReapAsync(
            (id, record) => EngineTeardown.TeardownAsync(record?.Paths ?? SandboxPaths.For(id, stateRoot, dataRoot), cancellationToken),
            "data left without a running engine").ConfigureAwait(false);

        // userns-remap's mirrored exec-roots whose engine is gone entirely (its state folder was reaped or /run was
        // cleaned by hand): nothing else names them any more.
        foreach (var remappedRoot in SandboxPaths.RemappedRoots(stateRoot))
        {
            foreach (var dir in Directory.EnumerateDirectories(remappedRoot, SandboxPaths.IdPrefix + "*"))
            {
                var id = Path.GetFileName(dir).Split('.')[0];
                if (Directory.Exists(Path.Combine(stateRoot, id)))
                {
                    continue;
                }

                var removed = await EngineTeardown.TeardownAsync(SandboxPaths.For(id, stateRoot, dataRoot), cancellationToken).ConfigureAwait(false);
                reaped.Add(new ReapedEngine(id, "remapped exec-root left without its engine", removed));
            }

            if (!Directory.EnumerateFileSystemEntries(remappedRoot).Any())
            {
                Directory.Delete(remappedRoot);
            }
        }

        return reaped;
    }

    public static string Describe(ReapedEngine engine) =>
        $"reaped {engine.Id} ({engine.Why}): {(engine.Removed.Count == 0 ? "nothing left" : string.Join(", ", engine.Removed))}";
}
