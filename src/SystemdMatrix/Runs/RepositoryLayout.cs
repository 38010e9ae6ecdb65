namespace SystemdMatrix.Runs;

/// <summary>Where the checkout keeps its inputs (manifest, matrices, fixtures) and its outputs (artifacts).</summary>
public sealed record RepositoryLayout(string Root)
{
    public const string Marker = "SystemdMatrix.sln";

    public string ImagesRoot => Path.Combine(Root, "images");

    public string Manifest => Path.Combine(ImagesRoot, "manifest.json");

    public string Matrices => Path.Combine(Root, "matrix", "matrices.json");

    public string Signatures => Path.Combine(Root, "matrix", "signatures.json");

    public string Fixtures => Path.Combine(Root, "fixtures");

    /// <summary>Where runs write tables and results; <c>artifacts/</c> in the checkout unless moved.</summary>
    public string Artifacts { get; init; } = Path.Combine(Root, "artifacts");

    public string Results => Path.Combine(Artifacts, "results");

    /// <summary>The checkout containing <paramref name="start"/> (default: the current folder), found by its solution file.</summary>
    public static RepositoryLayout Discover(string? start = null)
    {
        var dir = new DirectoryInfo(start ?? Directory.GetCurrentDirectory());
        while (dir is not null)
        {
            if (File.Exists(Path.Combine(dir.FullName, Marker)))
            {
                return new RepositoryLayout(dir.FullName);
            }

            dir = dir.Parent;
        }

        throw new DirectoryNotFoundException(
            $"No SystemdMatrix checkout at or above {start ?? Directory.GetCurrentDirectory()} (looked for {Marker}); run from the checkout or pass --root.");
    }
}
