using SystemdMatrix.Matrix;

namespace SystemdMatrix.Reporting;

/// <summary>
/// <c>systemd-matrix merge</c>: one matrix's results from several runs (shards, or a run of the cells an earlier one
/// left undecided) as one report. It refuses what would make the merged table a mix of different things: results of
/// another matrix, a cell decided twice, one host (and daemon profile) measured as two different hosts, one image
/// built from two recipes. Cells no input decided are listed as missing, against the matrix's definition.
/// </summary>
public static class ReportMerge
{
    public static CompatibilityReport Merge(MatrixDefinition definition, IReadOnlyList<(string Name, CompatibilityReport Report)> inputs)
    {
        if (inputs.Count == 0)
        {
            throw new MergeException("nothing to merge");
        }

        var problems = new List<string>();
        var matrices = inputs.Select(i => i.Report.Matrix).Distinct(StringComparer.Ordinal).ToList();
        if (matrices.Count > 1)
        {
            problems.Add($"results of different matrices: {string.Join(", ", inputs.Select(i => $"{i.Name} ({i.Report.Matrix})"))}");
        }

        var cells = inputs.SelectMany(i => i.Report.Cells.Select(c => (i.Name, Cell: c))).ToList();
        foreach (var twice in cells.GroupBy(c => c.Cell.Cell.Id, StringComparer.Ordinal).Where(g => g.Count() > 1).Take(10))
        {
            problems.Add($"cell {twice.Key} is decided in more than one input: {string.Join(", ", twice.Select(c => c.Name))}");
        }

        problems.AddRange(Disagreements(cells, c => (c.Cell.Host.Name, c.Cell.Daemon.Name), c => c.Host?.Key, key => $"host {key.Item1} (daemon profile {key.Item2}) was measured as different hosts"));
        problems.AddRange(Disagreements(cells, c => c.Image.Name, c => c.Image.RecipeHash, key => $"image {key} comes from different recipes"));

        if (problems.Count > 0)
        {
            throw new MergeException("not merged:\n  " + string.Join("\n  ", problems));
        }

        var (matrix, expanded) = Local.LocalMatrix.Expand(definition, matrices[0]);
        var merged = cells.Select(c => c.Cell).ToList();
        var decided = merged.Select(c => c.Cell.Id).ToHashSet(StringComparer.Ordinal);
        var imageOrder = matrix.Images.ToList();
        var images = inputs.SelectMany(i => i.Report.Images).GroupBy(i => i.Name, StringComparer.Ordinal).Select(g => g.First())
            .OrderBy(i => imageOrder.IndexOf(i.Name)).ToList();
        return new CompatibilityReport(matrices[0], inputs.Max(i => i.Report.GeneratedAt), images, merged)
        {
            Missing = expanded.Select(c => c.Id).Where(id => !decided.Contains(id)).ToList(),
        };
    }

    /// <summary>Subjects (a host, an image) that the inputs describe with different values, naming the inputs of each value.</summary>
    private static IEnumerable<string> Disagreements<TKey>(
        IEnumerable<(string Name, Results.CellRecord Cell)> cells, Func<Results.CellRecord, TKey> subject, Func<Results.CellRecord, string?> value, Func<TKey, string> describe)
        where TKey : notnull =>
        cells.Where(c => value(c.Cell) is not null)
            .GroupBy(c => subject(c.Cell))
            .Select(g => (g.Key, Values: g.GroupBy(c => value(c.Cell)!, StringComparer.Ordinal).ToList()))
            .Where(g => g.Values.Count > 1)
            .Select(g => $"{describe(g.Key)}: {string.Join("; ", g.Values.Select(v => $"{v.Key} in {string.Join(", ", v.Select(c => c.Name).Distinct())}"))}");
}

public sealed class MergeException(string message) : Exception(message);
