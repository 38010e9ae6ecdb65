using System.Globalization;
using System.Text;
using System.Text.Json;
using SystemdMatrix.Model;
using SystemdMatrix.Results;

namespace SystemdMatrix.Reporting;

/// <summary>An image as the report shows it: name, tag, systemd version, or why it was unavailable.</summary>
public sealed record ReportImage(string Name, string Tag, string? SystemdVersion, string State, string? Reason);

/// <summary>
/// The compatibility table: rows per cell with verdict, decisive line and time, rendered as Markdown for people and
/// JSON for programs (each cell a <see cref="CellRecord"/>). Cells are ordered by image, host, then cell key, so regenerated tables diff cleanly.
/// </summary>
public sealed record CompatibilityReport(string Matrix, DateTimeOffset GeneratedAt, IReadOnlyList<ReportImage> Images, IReadOnlyList<CellRecord> Cells)
{
    /// <summary>The shape of a report file: its cells are <see cref="CellRecord"/>s of their own schema version.</summary>
    public const int CurrentSchemaVersion = CellRecord.CurrentSchemaVersion;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>Cells of the matrix that no run has decided yet: a table with any is incomplete and says so.</summary>
    public IReadOnlyList<string> Missing { get; init; } = [];

    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<CellRecord> OrderedCells =>
        Cells.OrderBy(r => r.Image.Name, StringComparer.Ordinal).ThenBy(r => r.Host?.Key ?? string.Empty, StringComparer.Ordinal).ThenBy(r => r.Cell.Id, StringComparer.Ordinal).ToList();

    /// <summary>The report as a file: every cell's record without its boot log (the result files keep those).</summary>
    public string ToJson() => JsonSerializer.Serialize(this with { Cells = [.. OrderedCells.Select(r => r with { Log = null })] }, ResultJson.Options) + "\n";

    /// <summary>Reads what <see cref="ToJson"/> wrote; the message names the file when it is not such a report.</summary>
    public static CompatibilityReport Load(string path)
    {
        // A path typed wrong (compare, merge) is the user's mistake, named as such, not a stack trace.
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"{path}: no such compatibility report (run writes OUTPUT/compatibility/MATRIX.json)");
        }

        try
        {
            var report = JsonSerializer.Deserialize<CompatibilityReport>(File.ReadAllText(path), ResultJson.Options)
                ?? throw new InvalidDataException($"{path}: not a compatibility report (empty)");
            return report.SchemaVersion == CurrentSchemaVersion
                ? report
                : throw new InvalidDataException($"{path}: a compatibility report of schema version {report.SchemaVersion}; this version reads {CurrentSchemaVersion} (run the matrix again)");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: not a compatibility report of schema version {CurrentSchemaVersion}: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// The table people read first: one row per set of flags, each cell booted, the failure signature, refused or
    /// n/a. A run on one host has one section per daemon profile and one column per image (with its systemd
    /// version); a run over several hosts has one section per image and daemon profile and one column per host (the
    /// Debian release and cgroup mode, with the Docker version measured there).
    /// </summary>
    public string ToPivotMarkdown()
    {
        var measured = Cells.Where(r => r.Host is not null).ToList();
        var imageOrder = Images.Select((image, index) => (image.Name, index)).ToDictionary(x => x.Name, x => x.index, StringComparer.Ordinal);
        int ImageOrder(string image) => imageOrder.GetValueOrDefault(image, int.MaxValue);
        var pivot = measured.Select(r => r.Cell.Host).Distinct().Count() > 1
            ? PivotTable.ByHost(measured, ImageOrder)
            : PivotTable.ByImage(measured, ImageOrder);
        return pivot.ToMarkdown(Images.Where(i => i.Reason is not null).Select(i => $"{i.Name}: {i.Reason}")) + $"\n{Totals()}\n";
    }

    private string Totals()
    {
        var counts = Cells.GroupBy(r => r.Verdict.Kind).OrderBy(g => g.Key).Select(g => $"{g.Count()} {AxisNames.Of(g.Key)}");
        var wrote = Cells.Count(r => r.Verdict.Kind == VerdictKind.Booted && r.Verdict.HostWrites.Count > 0);
        var changed = Cells.Count(r => r.Verdict.Kind == VerdictKind.Failed && r.Verdict.HostWrites.Count > 0);
        return $"{Cells.Count} cells: {string.Join(", ", counts)}."
               + (wrote > 0 ? $" {wrote} of the booted cells wrote the host's cgroup tree outside their own." : string.Empty)
               + (changed > 0 ? $" {changed} of the failed cells changed it all the same." : string.Empty)
               + (Missing.Count > 0 ? $" **Incomplete: {Missing.Count} cells of this matrix have no result yet.**" : string.Empty);
    }

    public string ToMarkdown(bool includeTimes = true)
    {
        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"Matrix `{Matrix}`{(includeTimes ? $", generated {GeneratedAt:yyyy-MM-dd HH:mm} UTC" : string.Empty)}.\n\n");
        md.Append("| image | systemd | state |\n|---|---|---|\n");
        foreach (var image in Images)
        {
            md.Append(CultureInfo.InvariantCulture, $"| {image.Name} | {image.SystemdVersion ?? "-"} | {Escape(image.Reason is null ? "available" : $"{image.State}: {image.Reason}")} |\n");
        }

        foreach (var group in OrderedCells.GroupBy(r => (r.Image.Name, r.Image.SystemdVersion, Host: r.Host?.Describe() ?? "any host")))
        {
            md.Append(CultureInfo.InvariantCulture, $"\n### {group.Key.Name} (systemd {group.Key.SystemdVersion ?? "?"}) on {group.Key.Host}\n\n");
            md.Append(includeTimes ? "| cell | flags | verdict | decisive line | s |\n|---|---|---|---|---:|\n" : "| cell | flags | verdict | decisive line |\n|---|---|---|---|\n");
            foreach (var row in group)
            {
                var cell = row.Cell.Aliases.Count > 0 ? string.Join(", ", row.Cell.Aliases) : string.Empty;
                var line = $"| {Escape(cell)} | `{Escape(row.Flags)}` | {Escape(row.Verdict.Label)} | {Escape(row.Verdict.Summary)} |";
                md.Append(line);
                md.Append(includeTimes ? string.Create(CultureInfo.InvariantCulture, $" {row.Timing.Seconds:0.00} |\n") : "\n");
            }
        }

        md.Append(CultureInfo.InvariantCulture, $"\n{Totals()}\n");
        var unknown = Cells.Count(r => r.Verdict.Signature == Signatures.SignatureCatalogue.Unknown);
        if (unknown > 0)
        {
            md.Append(CultureInfo.InvariantCulture, $"\n**{unknown} failed cells match no known failure signature (`unknown`).**\n");
        }

        return md.ToString();
    }

    private static string Escape(string text) => MarkdownText.Escape(text);
}
