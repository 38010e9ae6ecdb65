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
    RunProfile Run,
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
    /// <summary>Cells of the matrix that no run has decided yet: a table with any is incomplete and says so.</summary>
    public IReadOnlyList<string> Missing { get; init; } = [];

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static ReportRow Row(CellOutcome outcome, string? systemdVersion) => new(
        outcome.Cell.Id,
        outcome.Cell.Run,
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
        cell.Id, cell.Run, cell.Aliases, cell.Image, systemdVersion, host, hostKey, cell.Daemon.Name,
        string.Join(' ', ContainerSpec.For("IMAGE", cell.Run).Flags()), string.Empty, verdict, 0, 0);

    public IReadOnlyList<ReportRow> OrderedRows =>
        Rows.OrderBy(r => r.Image, StringComparer.Ordinal).ThenBy(r => r.HostKey, StringComparer.Ordinal).ThenBy(r => r.CellId, StringComparer.Ordinal).ToList();

    public string ToJson() => JsonSerializer.Serialize(this with { Rows = OrderedRows }, JsonOptions) + "\n";

    /// <summary>Reads what <see cref="ToJson"/> wrote; the message names the file when it is not such a report.</summary>
    public static CompatibilityReport Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<CompatibilityReport>(File.ReadAllText(path), JsonOptions) is { Matrix: not null, Rows: not null } report
                ? report
                : throw new InvalidDataException($"{path}: not a compatibility report (no matrix or rows)");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: not a compatibility report: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// The table people read first: one row per set of flags, one column per image (with its systemd version), one
    /// section per host; each cell says booted, the failure signature, refused or n/a.
    /// </summary>
    public string ToPivotMarkdown()
    {
        var hosts = Rows.Where(r => r.HostKey != "any").Select(r => r.CellId.Split('/')).Where(p => p.Length == 4).Select(p => p[0]).Distinct().Count();
        if (hosts > 1)
        {
            return ToHostPivotMarkdown();
        }

        var md = new StringBuilder();
        var imageOrder = Images.Select((image, index) => (image.Name, index)).ToDictionary(x => x.Name, x => x.index, StringComparer.Ordinal);
        var runnable = Rows.Where(r => r.HostKey != "any").ToList();
        foreach (var host in runnable.GroupBy(r => $"daemon profile `{r.Daemon}`: {r.Host}").OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var columns = host.Select(r => (r.Image, r.SystemdVersion)).Distinct().OrderBy(c => imageOrder.GetValueOrDefault(c.Image, int.MaxValue)).ToList();
            md.Append(CultureInfo.InvariantCulture, $"#### {host.Key}\n\n");
            if (host.All(r => r.Verdict.Kind == VerdictKind.NotApplicable))
            {
                var reasons = host.GroupBy(r => r.Verdict.Message ?? string.Empty).OrderByDescending(g => g.Count()).Select(g => $"{Escape(g.Key)} ({g.Count()} cells)");
                md.Append(CultureInfo.InvariantCulture, $"All {host.Count()} cells not applicable: {string.Join("; ", reasons)}.\n\n");
                continue;
            }

            var remedies = host.Any(r => r.Run.Remedy != Remedy.None);
            md.Append("| cgroupns | /sys/fs/cgroup | privilege | tmpfs | ")
              .Append(remedies ? "remedy | " : string.Empty).Append(string.Join(" | ", columns.Select(c => $"{c.Image} ({c.SystemdVersion})"))).Append(" |\n");
            md.Append("|---|---|---|---|").Append(remedies ? "---|" : string.Empty).Append(string.Concat(columns.Select(_ => "---|"))).Append('\n');
            foreach (var row in ByRun(host))
            {
                md.Append(RunColumns(row, remedies));
                foreach (var column in columns)
                {
                    var cell = row.FirstOrDefault(r => r.Image == column.Image);
                    md.Append(' ').Append(cell is null ? " " : Short(cell.Verdict)).Append(" |");
                }

                md.Append('\n');
            }

            md.Append('\n');
        }

        foreach (var image in Images.Where(i => i.Reason is not null))
        {
            md.Append(CultureInfo.InvariantCulture, $"- {image.Name}: {Escape(image.Reason!)}\n");
        }

        md.Append(CultureInfo.InvariantCulture, $"\n{Totals()}\n");
        return md.ToString();
    }

    /// <summary>Rows of a pivot: one per run profile, least to most unusual (remedies last), least privilege first.</summary>
    private static IEnumerable<IGrouping<RunProfile, ReportRow>> ByRun(IEnumerable<ReportRow> rows) =>
        rows.GroupBy(r => r.Run)
            .OrderBy(g => g.Key.Remedy).ThenBy(g => g.Key.Cgroupns).ThenBy(g => g.Key.CgroupMount).ThenByDescending(g => g.Key.Tmpfs).ThenBy(g => PrivilegeOrder(g.Key.Privilege));

    /// <summary>The leading cells of a pivot row: the run profile's axes, with the aliases of its cells.</summary>
    private static string RunColumns(IGrouping<RunProfile, ReportRow> row, bool remedies)
    {
        var aliases = row.SelectMany(r => r.Aliases).Distinct().Order(StringComparer.Ordinal).ToList();
        var run = row.Key;
        return $"| {AxisNames.Of(run.Cgroupns)} | {MountLabel(run.CgroupMount)} | {PrivilegeLabel(run.Privilege)} | {(run.Tmpfs ? "on" : "off")}"
               + (aliases.Count > 0 ? $" ({string.Join(", ", aliases)})" : string.Empty) + " |"
               + (remedies ? $" {RemedyLabel(run.Remedy)} |" : string.Empty);
    }

    /// <summary>How the columns read: what each value means as a flag is in the README's legend.</summary>
    private static string MountLabel(CgroupMount mount) => mount switch
    {
        CgroupMount.None => "not mounted",
        CgroupMount.ReadOnlyBind => "`:ro` bind",
        CgroupMount.ReadWriteBind => "`:rw` bind",
        _ => "ro, submounts rw",
    };

    private static string RemedyLabel(Remedy remedy) => remedy switch
    {
        Remedy.None => "-",
        Remedy.UsernsHost => "`--userns=host`",
        _ => "cgroup handed to remapped root",
    };

    private static string PrivilegeLabel(Privilege privilege) => privilege switch
    {
        Privilege.None => "none",
        Privilege.CapSysAdmin => "SYS_ADMIN",
        Privilege.Privileged => "privileged",
        _ => "writable-cgroups",
    };

    // Least to most privilege, the order in which a user would try them.
    private static int PrivilegeOrder(Privilege privilege) => privilege switch
    {
        Privilege.None => 0,
        Privilege.WritableCgroups => 1,
        Privilege.CapSysAdmin => 2,
        _ => 3,
    };

    /// <summary>
    /// The table for a run over several hosts: one section per image and daemon profile, one column per host (the
    /// Debian release, its Docker and the cgroup mode), one row per set of flags.
    /// </summary>
    public string ToHostPivotMarkdown()
    {
        var md = new StringBuilder();
        var imageOrder = Images.Select((image, index) => (image.Name, index)).ToDictionary(x => x.Name, x => x.index, StringComparer.Ordinal);
        var runnable = Rows.Where(r => r.HostKey != "any").ToList();
        static (int Release, int Mode) HostOrder(string host) => (
            Array.FindIndex(Hosts.HostReleases.All.ToArray(), r => host.Contains($"-{r.Release}-", StringComparison.Ordinal)),
            host.EndsWith("-v1", StringComparison.Ordinal) ? 0 : host.EndsWith("-hybrid", StringComparison.Ordinal) ? 1 : 2);
        string HostOf(ReportRow row) => row.CellId.Split('/')[0];

        var columns = runnable.Select(HostOf).Distinct().OrderBy(HostOrder).ToList();
        var headers = columns.ToDictionary(
            c => c,
            c => runnable.Where(r => HostOf(r) == c && r.Verdict.Kind != VerdictKind.NotApplicable).Select(r => r.HostKey).FirstOrDefault() is { } key
                ? HostHeader(c, key)
                : c.Replace("vm-", string.Empty, StringComparison.Ordinal));
        foreach (var section in runnable.GroupBy(r => (r.Image, r.SystemdVersion, r.Daemon)).OrderBy(g => imageOrder.GetValueOrDefault(g.Key.Image, int.MaxValue)).ThenBy(g => g.Key.Daemon, StringComparer.Ordinal))
        {
            md.Append(CultureInfo.InvariantCulture, $"#### {section.Key.Image} (systemd {section.Key.SystemdVersion}), daemon profile `{section.Key.Daemon}`\n\n");
            md.Append("| cgroupns | /sys/fs/cgroup | privilege | tmpfs | ").Append(string.Join(" | ", columns.Select(c => headers[c]))).Append(" |\n");
            md.Append("|---|---|---|---|").Append(string.Concat(columns.Select(_ => "---|"))).Append('\n');
            foreach (var row in ByRun(section))
            {
                md.Append(RunColumns(row, remedies: false));
                foreach (var column in columns)
                {
                    var cell = row.FirstOrDefault(r => HostOf(r) == column);
                    md.Append(' ').Append(cell is null ? " " : Short(cell.Verdict)).Append(" |");
                }

                md.Append('\n');
            }

            md.Append('\n');
        }

        var notApplicableHosts = runnable.Where(r => r.Verdict.Kind == VerdictKind.NotApplicable).GroupBy(HostOf)
            .Where(g => runnable.Where(r => HostOf(r) == g.Key).All(r => r.Verdict.Kind == VerdictKind.NotApplicable));
        foreach (var host in notApplicableHosts)
        {
            md.Append(CultureInfo.InvariantCulture, $"- {host.Key}: {Escape(host.First().Verdict.Message ?? string.Empty)}\n");
        }

        foreach (var image in Images.Where(i => i.Reason is not null))
        {
            md.Append(CultureInfo.InvariantCulture, $"- {image.Name}: {Escape(image.Reason!)}\n");
        }

        md.Append(CultureInfo.InvariantCulture, $"\n{Totals()}\n");
        return md.ToString();
    }

    /// <summary>A host column's heading: release, cgroup mode and the Docker version measured there.</summary>
    private static string HostHeader(string host, string hostKey)
    {
        var docker = hostKey.Split('_').FirstOrDefault(p => p.StartsWith("docker-", StringComparison.Ordinal))?["docker-".Length..].Split('+')[0] ?? "?";
        return $"{host.Replace("vm-", string.Empty, StringComparison.Ordinal)} (Docker {docker})";
    }

    private static string Short(Verdict verdict) => verdict.Kind switch
    {
        VerdictKind.Booted => (verdict.SystemState == "running" ? "**booted**" : $"**booted** ({verdict.SystemState})")
                              + (verdict.HostWrites.Count > 0 ? ", wrote host cgroups" : string.Empty)
                              + UnusedHost(verdict),
        VerdictKind.Failed => $"`{verdict.Signature}`"
                              + (verdict.HostWrites.Count > 0 ? ", changed host cgroups" : string.Empty)
                              + UnusedHost(verdict),
        VerdictKind.EngineRefused => "refused",
        VerdictKind.NotApplicable => "n/a",
        VerdictKind.Skipped => "skipped",
        _ => "error",
    };

    // The footnote of a cell whose verdict is another on a host whose engine never ran a container.
    private static string UnusedHost(Verdict verdict) => verdict.OnUnusedHost is { } other ? $" (unused host: {other})" : string.Empty;

    private string Totals()
    {
        var counts = Rows.GroupBy(r => r.Verdict.Kind).OrderBy(g => g.Key).Select(g => $"{g.Count()} {AxisNames.Of(g.Key)}");
        var wrote = Rows.Count(r => r.Verdict.Kind == VerdictKind.Booted && r.Verdict.HostWrites.Count > 0);
        var changed = Rows.Count(r => r.Verdict.Kind == VerdictKind.Failed && r.Verdict.HostWrites.Count > 0);
        return $"{Rows.Count} cells: {string.Join(", ", counts)}."
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

        md.Append(CultureInfo.InvariantCulture, $"\n{Totals()}\n");
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
