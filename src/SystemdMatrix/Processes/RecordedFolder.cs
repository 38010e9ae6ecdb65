namespace SystemdMatrix.Processes;

/// <summary>
/// A root-only folder that comes into being with its owner record already inside: it is filled under a hidden
/// staging name and renamed into place, so a reaper never sees the folder of a live run without the record that
/// says whose it is. The staging name itself says whose it is (the creator's pid and start time): between the
/// folder's creation and its record's write, a reaper of a concurrent run must not take it for a dead one's.
/// </summary>
public static class RecordedFolder
{
    private const string StagingSuffix = ".creating";

    public static void Create(string folder, string recordName, string recordJson)
    {
        var parent = Path.GetDirectoryName(folder)!;
        Directory.CreateDirectory(parent, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var self = Environment.ProcessId;
        var staging = Path.Combine(parent, $".{Path.GetFileName(folder)}.{self}-{Posix.StartTicks(self)}{StagingSuffix}");
        Directory.CreateDirectory(staging);
        // CreateDirectory's mode is masked by umask and ignored for folders that already exist: set it outright.
        File.SetUnixFileMode(staging, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(Path.Combine(staging, recordName), recordJson);
        Directory.Move(staging, folder);
    }

    /// <summary>Staging folders of processes that died between creating and renaming them (a kill -9 in between).</summary>
    public static IReadOnlyList<string> ReapStaging(string parent, string idPrefix) => ReapStaging(parent, idPrefix, CreatorAlive);

    /// <summary>Whether the process a staging folder's name names still runs (the same pid, started at the same time).</summary>
    public static bool CreatorAlive(string staging)
    {
        var name = Path.GetFileName(staging);
        var owner = name[..^StagingSuffix.Length];
        owner = owner[(owner.LastIndexOf('.') + 1)..];
        var dash = owner.IndexOf('-', StringComparison.Ordinal);
        return dash > 0
               && int.TryParse(owner[..dash], System.Globalization.CultureInfo.InvariantCulture, out var pid)
               && long.TryParse(owner[(dash + 1)..], System.Globalization.CultureInfo.InvariantCulture, out var ticks)
               && Posix.StartTicks(pid) == ticks;
    }

    private static IReadOnlyList<string> ReapStaging(string parent, string idPrefix, Func<string, bool> ownerAlive)
    {
        if (!Directory.Exists(parent))
        {
            return [];
        }

        var removed = new List<string>();
        foreach (var staging in Directory.EnumerateDirectories(parent, "." + idPrefix + "*" + StagingSuffix))
        {
            if (!ownerAlive(staging))
            {
                Directory.Delete(staging, recursive: true);
                removed.Add(staging);
            }
        }

        return removed;
    }
}
