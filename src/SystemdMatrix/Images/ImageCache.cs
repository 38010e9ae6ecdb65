using System.Text.Json;
using System.Text.RegularExpressions;

namespace SystemdMatrix.Images;

/// <summary>What is known about a built image without loading it: stored beside its archive.</summary>
public sealed record ImageFacts(
    string Name,
    string Tag,
    string RecipeHash,
    string BaseSource,
    string SystemdVersion,
    string Archive,
    DateTimeOffset BuiltAt);

/// <summary>
/// The artefact cache outside the clone (default <c>/var/cache/systemd-matrix</c>, or <c>SYSTEMD_MATRIX_CACHE</c>):
/// root filesystems and image archives, each keyed by its recipe hash. Entries appear atomically (written under a
/// temporary name, then renamed), so an interrupted build never leaves something that looks finished.
/// </summary>
public sealed class ImageCache(string root)
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static string DefaultRoot => Settings.HarnessSettings.Current.Cache;

    public string Root { get; } = root;

    public string RootfsPath(string key) => Path.Combine(Root, "rootfs", key + ".tar");

    public string ImageArchivePath(ImageDefinition image, string key) => Path.Combine(Root, "images", $"{image.Name}-{key}.tar");

    private string FactsPath(ImageDefinition image, string key) => Path.Combine(Root, "images", $"{image.Name}-{key}.json");

    public ImageFacts? TryGetImage(ImageDefinition image, string key)
    {
        var facts = FactsPath(image, key);
        if (!File.Exists(facts) || !File.Exists(ImageArchivePath(image, key)))
        {
            return null;
        }

        try
        {
            var found = JsonSerializer.Deserialize<ImageFacts>(File.ReadAllText(facts), JsonOptions);
            MarkUsed(facts);
            return found;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Moves a finished archive into place and records its facts; the facts file is written last.</summary>
    public ImageFacts StoreImage(ImageDefinition image, string key, string finishedArchive, ImageFacts facts)
    {
        var archive = ImageArchivePath(image, key);
        Directory.CreateDirectory(Path.GetDirectoryName(archive)!);
        File.Move(finishedArchive, archive, overwrite: true);
        var stored = facts with { Archive = archive };
        WriteAtomically(FactsPath(image, key), JsonSerializer.Serialize(stored, JsonOptions));
        return stored;
    }

    /// <summary>A path in the cache's own scratch folder (same file system, so the final rename is atomic).</summary>
    public string Scratch(string name)
    {
        var dir = Path.Combine(Root, "tmp");
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, $"{name}.{Environment.ProcessId}.partial");
    }

    /// <summary>Removes scratch files of processes that no longer exist (an interrupted earlier build).</summary>
    public IReadOnlyList<string> ReapScratch()
    {
        var dir = Path.Combine(Root, "tmp");
        if (!Directory.Exists(dir))
        {
            return [];
        }

        var removed = new List<string>();
        foreach (var entry in Directory.EnumerateFileSystemEntries(dir, "*.partial"))
        {
            var parts = Path.GetFileName(entry).Split('.');
            if (parts.Length >= 3 && int.TryParse(parts[^2], out var pid) && pid != Environment.ProcessId && !Processes.Posix.IsAlive(pid))
            {
                DeleteEntry(entry);
                removed.Add(entry);
            }
        }

        return removed;
    }

    /// <summary>How long a superseded entry is kept after its last use: a run from an older checkout may still need it.</summary>
    public static TimeSpan SupersededIdle { get; } = TimeSpan.FromHours(1);

    /// <summary>Records that a run used a cache entry now (its facts file, or its folder), so pruning leaves it alone for a while.</summary>
    public static void MarkUsed(string entry)
    {
        if (Directory.Exists(entry))
        {
            Directory.SetLastWriteTimeUtc(entry, DateTime.UtcNow);
        }
        else if (File.Exists(entry))
        {
            File.SetLastWriteTimeUtc(entry, DateTime.UtcNow);
        }
    }

    /// <summary>
    /// Removes the entries of one artefact (<c>KIND/NAME-KEY.tar|.json</c> or a folder <c>KIND/NAME-KEY/</c>) that a newer
    /// recipe, <paramref name="currentKey"/>, superseded and that no run has used for <paramref name="idle"/>.
    /// Without this every recipe change leaves gigabytes behind (a host image is about 3 GB).
    /// </summary>
    public IReadOnlyList<string> PruneSuperseded(string kind, string name, string currentKey, TimeSpan idle)
    {
        var dir = Path.Combine(Root, kind);
        if (!Directory.Exists(dir))
        {
            return [];
        }

        var entry = new Regex($"^{Regex.Escape(name)}-(?<key>[0-9a-f]{{16}})(\\.tar|\\.json)?$", RegexOptions.CultureInvariant);
        var removed = new List<string>();
        var byKey = Directory.EnumerateFileSystemEntries(dir)
            .Select(path => (Path: path, Match: entry.Match(Path.GetFileName(path))))
            .Where(e => e.Match.Success && e.Match.Groups["key"].Value != currentKey)
            .GroupBy(e => e.Match.Groups["key"].Value, e => e.Path);
        foreach (var superseded in byKey)
        {
            var lastUsed = superseded.Max(path => Directory.Exists(path) ? Directory.GetLastWriteTimeUtc(path) : File.GetLastWriteTimeUtc(path));
            if (DateTime.UtcNow - lastUsed < idle)
            {
                continue;
            }

            foreach (var path in superseded)
            {
                DeleteEntry(path);
                removed.Add(path);
            }
        }

        return removed;
    }

    /// <summary>Removes a cache entry, whether it is a file (an archive, its facts) or a folder (a host image).</summary>
    private static void DeleteEntry(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
        else
        {
            File.Delete(path);
        }
    }

    private static void WriteAtomically(string path, string content)
    {
        var temp = path + ".tmp";
        File.WriteAllText(temp, content);
        File.Move(temp, path, overwrite: true);
    }
}
