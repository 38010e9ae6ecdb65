using SystemdMatrix.Matrix;
using SystemdMatrix.Model;
using SystemdMatrix.Runs;

namespace SystemdMatrix.Reporting;

/// <summary>
/// The reference runs' results committed under <c>docs/compatibility/</c> (<c>MATRIX.json</c>, written by
/// <c>run --publish</c>) and everything rendered from them alone: <c>MATRIX.md</c> beside each, and the README's
/// block for a matrix that has one (the least-privilege answer; its whole page carries the rest), and the HTML page
/// <c>MATRIX.html</c> (<see cref="HtmlReport"/>).
/// <c>systemd-matrix report</c> writes them; <c>report --check</c> and a unit test fail when one has drifted.
/// </summary>
public static class CommittedReports
{
    public const string Folder = "docs/compatibility";

    public static string AnswerBegin(string matrix) => $"<!-- compatibility-answer:{matrix}:begin (generated from {Folder}/{matrix}.json by `systemd-matrix report`; do not edit) -->";

    public static string AnswerEnd(string matrix) => $"<!-- compatibility-answer:{matrix}:end -->";

    /// <summary>The committed reports, by matrix name.</summary>
    public static IReadOnlyList<CompatibilityReport> Load(RepositoryLayout layout)
    {
        var folder = Path.Combine(layout.Root, Folder);
        return Directory.Exists(folder)
            ? Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal).Select(CompatibilityReport.Load).ToList()
            : [];
    }

    /// <summary>
    /// A cell's expected seconds: its time in the matrix's committed results, so every shard of a run (on any machine,
    /// from the same checkout) computes the same partition and VM groups start in the same order. A cell ruled out
    /// there costs its (near) nothing; one skipped there, or not there at all, was never measured and costs
    /// <see cref="CellShards.DefaultCost"/>.
    /// </summary>
    public static Func<Cell, double> CellCosts(IEnumerable<CompatibilityReport> committed, string matrix)
    {
        var seconds = committed.Where(r => r.Matrix == matrix).SelectMany(r => r.Cells)
            .Where(r => r.Timing.Seconds > 0 || r.Stage is DecisionStage.PredictedNotApplicable or DecisionStage.NotApplicableOnHost or DecisionStage.EngineRefused)
            .ToDictionary(r => r.Cell.Id, r => r.Timing.Seconds, StringComparer.Ordinal);
        return cell => seconds.TryGetValue(cell.Id, out var s) ? s : CellShards.DefaultCost(cell);
    }

    /// <summary>Every file rendered from the committed results, with the content it should have.</summary>
    public static IReadOnlyList<(string Path, string Content)> Render(RepositoryLayout layout)
    {
        var files = new List<(string, string)>();
        var readmePath = Path.Combine(layout.Root, "README.md");
        var readme = File.ReadAllText(readmePath);
        foreach (var report in Load(layout))
        {
            var answered = readme.Contains(AnswerBegin(report.Matrix), StringComparison.Ordinal);
            files.Add((Path.Combine(layout.Root, Folder, $"{report.Matrix}.md"), Markdown(report, answered)));
            files.Add((Path.Combine(layout.Root, Folder, $"{report.Matrix}.html"), HtmlReport.Render(report, Signatures.SignatureCatalogue.Default)));
            if (answered)
            {
                readme = MarkedSection.Replace(readme, AnswerBegin(report.Matrix), AnswerEnd(report.Matrix), LeastPrivilege.RenderV2Answer(report, brief: true));
            }
        }

        files.Add((readmePath, readme));
        return files;
    }

    /// <summary>The rendered files that differ from what the committed results give.</summary>
    public static IReadOnlyList<string> Drift(RepositoryLayout layout) =>
        Render(layout).Where(f => !File.Exists(f.Path) || File.ReadAllText(f.Path) != f.Content).Select(f => Path.GetRelativePath(layout.Root, f.Path)).ToList();

    /// <summary>Writes every rendered file; returns those that changed.</summary>
    public static IReadOnlyList<string> Write(RepositoryLayout layout)
    {
        var changed = Drift(layout);
        foreach (var (path, content) in Render(layout))
        {
            File.WriteAllText(path, content);
        }

        return changed;
    }

    /// <summary>
    /// Why a report may not be committed as reference results, or null: a skipped or broken cell measured nothing
    /// about systemd; with <paramref name="requireComplete"/>, neither may any cell be missing.
    /// </summary>
    public static string? Unpublishable(CompatibilityReport report, bool requireComplete)
    {
        var unfit = report.Cells.Count(r => r.Verdict.Kind is Model.VerdictKind.Skipped or Model.VerdictKind.InfrastructureError);
        return unfit > 0 || (requireComplete && report.Missing.Count > 0)
            ? $"the {report.Matrix} results lack {report.Missing.Count} cells and hold {unfit} skipped or broken ones (run them, then publish again)"
            : null;
    }

    /// <summary>Commits a reference run's results to the folder (then <see cref="Write"/> renders them).</summary>
    public static string Publish(RepositoryLayout layout, CompatibilityReport report)
    {
        var path = Path.Combine(layout.Root, Folder, $"{report.Matrix}.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, report.ToJson());
        return path;
    }

    /// <summary>
    /// The matrix's report made of the newest stored result of each of its cells (what an interrupted or finished run
    /// left in the artifacts' result store), without booting anything; cells nobody decided yet are listed as missing.
    /// </summary>
    public static CompatibilityReport FromStore(Matrix.MatrixDefinition definition, string matrixName, Results.ResultStore store)
    {
        var matrix = definition.Find(matrixName);
        var (latest, missing) = store.Latest(definition.Expand(matrix).Select(c => c.Id).ToList());
        var images = matrix.Images
            .Select(name => latest.FirstOrDefault(r => r.Image.Name == name && r.Image.Tag is not null)?.Image)
            .OfType<Results.ImageRecord>()
            .Select(i => new ReportImage(i.Name, i.Tag!, i.SystemdVersion, "cached", null))
            .ToList();
        return new CompatibilityReport(matrix.Name, latest.Count > 0 ? latest.Max(r => r.DecidedAt) : DateTimeOffset.UtcNow, images, latest.Select(r => r with { Log = null }).ToList())
        {
            Missing = missing,
        };
    }

    private static string Markdown(CompatibilityReport report, bool answered) =>
        $"# Matrix `{report.Matrix}`: reference results\n\nGenerated from [{report.Matrix}.json]({report.Matrix}.json) by `systemd-matrix report`; do not edit.\n\n"
        + (answered ? "## The answer\n\n" + LeastPrivilege.RenderV2Answer(report) + "\n" : string.Empty)
        + report.ToPivotMarkdown() + "\n## Every cell\n\n" + report.ToMarkdown(includeTimes: false);
}
