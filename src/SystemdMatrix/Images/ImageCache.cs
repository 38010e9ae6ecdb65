using System.Text.Json;

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

    public static string DefaultRoot => Environment.GetEnvironmentVariable("SYSTEMD_MATRIX_CACHE") ?? "/var/cache/systemd-matrix";

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
            return JsonSerializer.Deserialize<ImageFacts>(File.ReadAllText(facts), JsonOptions);
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
                if (Directory.Exists(entry))
                {
                    Directory.Delete(entry, recursive: true);
                }
                else
                {
                    File.Delete(entry);
                }

                removed.Add(entry);
            }
        }

        return removed;
    }

    private static void WriteAtomically(string path, string content)
    {
        var temp = path + ".tmp";
        File.WriteAllText(temp, content);
        File.Move(temp, path, overwrite: true);
    }
}
