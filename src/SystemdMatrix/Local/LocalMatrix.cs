using SystemdMatrix.Matrix;
using SystemdMatrix.Model;

namespace SystemdMatrix.Local;

/// <summary>
/// A matrix pointed at a local engine: every cell once, on the user's engine under its own one profile (named
/// <c>local</c>), its results kept as matrix <c>NAME-local</c> so they never mix with the matrix's own hosts'.
/// </summary>
public static class LocalMatrix
{
    public const string Suffix = "-local";

    public static string ResultsName(string matrix) => matrix + Suffix;

    /// <summary>The cells on the local engine: host and daemon profile replaced, each configuration once.</summary>
    public static IReadOnlyList<Cell> OnEngine(IEnumerable<Cell> cells, DaemonProfile profile) =>
        [.. cells.Select(c => c with { Host = HostSpec.Local, Daemon = profile }).DistinctBy(c => c.Id)];

    /// <summary>
    /// A results name's matrix and cells: a matrix of the definition, or <c>NAME-local</c> for one pointed at a local
    /// engine (the ids do not depend on the engine's settings, only on the profile's name).
    /// </summary>
    public static (NamedMatrix Matrix, IReadOnlyList<Cell> Cells) Expand(MatrixDefinition definition, string resultsName)
    {
        if (!definition.Matrices.ContainsKey(resultsName) && resultsName.EndsWith(Suffix, StringComparison.Ordinal)
            && definition.Matrices.ContainsKey(resultsName[..^Suffix.Length]))
        {
            var matrix = definition.Find(resultsName[..^Suffix.Length]);
            return (matrix, OnEngine(definition.Expand(matrix), DaemonProfile.Default with { Name = LocalEngine.ProfileName }));
        }

        var named = definition.Find(resultsName);
        return (named, definition.Expand(named));
    }
}
