using SystemdMatrix.Results;
using SystemdMatrix.Signatures;

namespace SystemdMatrix.Reporting;

/// <summary>
/// What a run (or a merge of shards) leaves for people: <c>compatibility/MATRIX.{md,json}</c> (the tables and every
/// cell; typed records) and <c>report/MATRIX.html</c> with <c>report/index.html</c> (the page).
/// </summary>
public static class ReportArtifacts
{
    /// <param name="withLogs">The same report with every cell's boot log, for the page (the tables and JSON carry none).</param>
    public static async Task<IReadOnlyList<string>> WriteAsync(CompatibilityReport report, IReadOnlyList<CellRecord> withLogs, SignatureCatalogue signatures, string artifacts, CancellationToken cancellationToken)
    {
        var tables = Path.Combine(artifacts, "compatibility");
        var pages = Path.Combine(artifacts, "report");
        Directory.CreateDirectory(tables);
        Directory.CreateDirectory(pages);
        var written = new List<string>
        {
            Path.Combine(tables, $"{report.Matrix}.md"),
            Path.Combine(tables, $"{report.Matrix}.json"),
            Path.Combine(pages, $"{report.Matrix}.html"),
            Path.Combine(pages, "index.html"),
        };
        await File.WriteAllTextAsync(written[0], report.ToPivotMarkdown() + "\n## Every cell\n\n" + report.ToMarkdown(), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(written[1], report.ToJson(), cancellationToken).ConfigureAwait(false);
        var page = HtmlReport.Render(report with { Cells = withLogs }, signatures);
        await File.WriteAllTextAsync(written[2], page, cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(written[3], page, cancellationToken).ConfigureAwait(false);
        return written;
    }
}
