namespace SystemdMatrix.Processes;

/// <summary>
/// A root-only folder that comes into being with its owner record already inside: it is filled under a hidden
/// staging name and renamed into place, so a reaper never sees the folder of a live run without the record that
/// says whose it is.
/// </summary>
public static class RecordedFolder
{
    private const string StagingSuffix = ".creating";

    public static void Create(string folder, string recordName, string recordJson)
    {
        var parent = Path.GetDirectoryName(folder)!;
        Directory.CreateDirectory(parent, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var staging = Path.Combine(parent, "." + Path.GetFileName(folder) + StagingSuffix);
        Directory.CreateDirectory(staging);
        // CreateDirectory's mode is masked by umask and ignored for folders that already exist: set it outright.
        File.SetUnixFileMode(staging, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(Path.Combine(staging, recordName), recordJson);
        Directory.Move(staging, folder);
    }

    /// <summary>Staging folders of processes that died between creating and renaming them (a kill -9 in between).</summary>
    public static IReadOnlyList<string> ReapStaging(string parent, string idPrefix, Func<string, bool> ownerAlive)
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
