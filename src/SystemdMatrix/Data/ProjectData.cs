using SystemdMatrix.Images;
using SystemdMatrix.Matrix;
using SystemdMatrix.Runs;
using SystemdMatrix.Signatures;

namespace SystemdMatrix.Data;

/// <summary>
/// The checkout's data files read together and checked against each other before anything is started: the image
/// manifest, the matrices and the signature catalogue (read from the checkout, so an edit counts without a rebuild).
/// Every problem of every file is reported at once, and so is a matrix naming an image the manifest lacks.
/// </summary>
public sealed record ProjectData(ImageManifest Manifest, MatrixDefinition Definition, SignatureCatalogue Signatures)
{
    public static ProjectData Load(RepositoryLayout layout)
    {
        var problems = new List<string>();
        var manifest = Collect(() => ImageManifest.Load(layout.Manifest), problems);
        var definition = Collect(() => MatrixDefinition.Load(layout.Matrices), problems);
        var signatures = Collect(() => SignatureCatalogue.Load(layout.Signatures), problems);
        if (manifest is not null && definition is not null)
        {
            var known = manifest.Images.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var matrix in definition.Matrices.Values)
            {
                foreach (var image in matrix.Images.Where(i => !known.Contains(i)))
                {
                    problems.Add($"{layout.Matrices}: matrices.{matrix.Name}.images: '{image}' is not an image of {layout.Manifest} (known: {string.Join(", ", known)})");
                }
            }
        }

        return problems.Count > 0
            ? throw new InvalidDataException(string.Join('\n', problems))
            : new ProjectData(manifest!, definition!, signatures!);
    }

    private static T? Collect<T>(Func<T> load, List<string> problems)
        where T : class
    {
        try
        {
            return load();
        }
        catch (Exception ex) when (ex is ManifestException or MatrixException or InvalidDataException)
        {
            problems.Add(ex.Message);
            return null;
        }
    }
}
