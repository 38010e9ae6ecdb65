using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using SystemdMatrix.Boot;
using SystemdMatrix.Model;

namespace SystemdMatrix.Reporting;

/// <summary>An image as the report shows it: name, tag, systemd version, or why it was unavailable.</summary>
public sealed record ReportImage(string Name, string Tag, string? SystemdVersion, string State, string? Reason);

/// <summary>One row of the table.</summary>
public sealed record ReportRow(
    string CellId,
    IReadOnlyList<string> Aliases,
    string Image,
    string? SystemdVersion,
    string Host,
    string HostKey,
    string Daemon,
    string Flags,
    string Equivalent,
    Verdict Verdict,
    double Seconds,
    int Attempts);

/// <summary>
/// The compatibility table: rows per cell with verdict, decisive line and time, rendered as Markdown for people and
/// JSON for programs. Rows are ordered by image, host, then cell key, so regenerated tables diff cleanly.
/// </summary>
public sealed record CompatibilityReport(string Matrix, DateTimeOffset GeneratedAt, IReadOnlyList<ReportImage> Images, IReadOnlyList<ReportRow> Rows)
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static ReportRow Row(CellOutcome outcome, string? systemdVersion) => new(
        outcome.Cell.Id,
        outcome.Cell.Aliases,
        outcome.Cell.Image,
        systemdVersion,
        outcome.Host.Describe(),
        outcome.Host.Key,
        outcome.Cell.Daemon.Name,
        string.Join(' ', ContainerSpec.For(outcome.ImageTag, outcome.Cell.Run).Flags()),
        outcome.Equivalent,
        outcome.Verdict,
        Math.Round(outcome.Duration.TotalSeconds, 2),
        outcome.Attempts);

    public static ReportRow NotRun(Cell cell, string? systemdVersion, string host, string hostKey, Verdict verdict) => new(
        cell.Id, cell.Aliases, cell.Image, systemdVersion, host, hostKey, cell.Daemon.Name,
        string.Join(' ', ContainerSpec.For("IMAGE", cell.Run).Flags()), string.Empty, verdict, 0, 0);

    public IReadOnlyList<ReportRow> OrderedRows =>
        Rows.OrderBy(r => r.Image, StringComparer.Ordinal).ThenBy(r => r.HostKey, StringComparer.Ordinal).ThenBy(r => r.CellId, StringComparer.Ordinal).ToList();

    public string ToJson() => JsonSerializer.Serialize(this with { Rows = OrderedRows }, JsonOptions) + "\n";

    public string ToMarkdown(bool includeTimes = true)
    {
        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"Matrix `{Matrix}`{(includeTimes ? $", generated {GeneratedAt:yyyy-MM-dd HH:mm} UTC" : string.Empty)}.\n\n");
        md.Append("| image | systemd | state |\n|---|---|---|\n");
        foreach (var image in Images)
        {
            md.Append(CultureInfo.InvariantCulture, $"| {image.Name} | {image.SystemdVersion ?? "-"} | {Escape(image.Reason is null ? "available" : $"{image.State}: {image.Reason}")} |\n");
        }

        foreach (var group in OrderedRows.GroupBy(r => (r.Image, r.SystemdVersion, r.Host)))
        {
            md.Append(CultureInfo.InvariantCulture, $"\n### {group.Key.Image} (systemd {group.Key.SystemdVersion ?? "?"}) on {group.Key.Host}\n\n");
            md.Append(includeTimes ? "| cell | flags | verdict | decisive line | s |\n|---|---|---|---|---:|\n" : "| cell | flags | verdict | decisive line |\n|---|---|---|---|\n");
            foreach (var row in group)
            {
                var cell = row.Aliases.Count > 0 ? string.Join(", ", row.Aliases) : string.Empty;
                var line = $"| {Escape(cell)} | `{Escape(row.Flags)}` | {Escape(row.Verdict.Label)} | {Escape(row.Verdict.Summary)} |";
                md.Append(line);
                md.Append(includeTimes ? string.Create(CultureInfo.InvariantCulture, $" {row.Seconds:0.00} |\n") : "\n");
            }
        }

        var counts = Rows.GroupBy(r => r.Verdict.Kind).OrderBy(g => g.Key).Select(g => $"{g.Count()} {AxisNames.Of(g.Key)}");
        md.Append(CultureInfo.InvariantCulture, $"\n{Rows.Count} cells: {string.Join(", ", counts)}.\n");
        var unknown = Rows.Count(r => r.Verdict.Signature == Signatures.SignatureCatalogue.Unknown);
        if (unknown > 0)
        {
            md.Append(CultureInfo.InvariantCulture, $"\n**{unknown} failed cells match no known failure signature (`unknown`).**\n");
        }

        return md.ToString();
    }

    // Table cells: a pipe would end the cell, and placeholders such as <id> would vanish as HTML tags.
    private static string Escape(string text) => text
        .Replace("|", "\\|", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal)
        .Replace("\n", " ", StringComparison.Ordinal);
}
