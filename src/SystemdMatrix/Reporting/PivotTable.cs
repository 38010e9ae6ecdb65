using System.Globalization;
using System.Text;
using SystemdMatrix.Hosts;
using SystemdMatrix.Model;
using SystemdMatrix.Results;

namespace SystemdMatrix.Reporting;

/// <summary>One column of a pivot section: what its cells have in common (an image, or a host) and its heading.</summary>
internal sealed record PivotColumn(string Key, string Header);

/// <summary>One section of a pivot: a heading, its cells and its columns.</summary>
internal sealed record PivotSection(string Heading, IReadOnlyList<CellRecord> Cells, IReadOnlyList<PivotColumn> Columns);

/// <summary>
/// The one renderer of the pivot tables: sections of rows, one row per run profile (least unusual and least
/// privileged first), one column per image or per host. The two layouts differ only in what makes a section and a
/// column, which <see cref="ByImage"/> and <see cref="ByHost"/> say, reading the records' typed fields.
/// </summary>
internal sealed class PivotTable
{
    private readonly IReadOnlyList<PivotSection> _sections;
    private readonly Func<CellRecord, string> _columnOf;
    private readonly bool _collapseNotApplicable;
    private readonly IReadOnlyList<string> _footnotes;

    private PivotTable(IReadOnlyList<PivotSection> sections, Func<CellRecord, string> columnOf, bool collapseNotApplicable, IReadOnlyList<string> footnotes)
    {
        _sections = sections;
        _columnOf = columnOf;
        _collapseNotApplicable = collapseNotApplicable;
        _footnotes = footnotes;
    }

    /// <summary>Cells of one host: a section per daemon profile (and the host as measured), a column per image.</summary>
    public static PivotTable ByImage(IReadOnlyList<CellRecord> cells, Func<string, int> imageOrder)
    {
        var sections = cells
            .GroupBy(r => $"daemon profile `{r.Cell.Daemon.Name}`: {r.Host!.Describe()}")
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new PivotSection(
                g.Key,
                [.. g],
                [.. g.Select(r => (r.Image.Name, r.Image.SystemdVersion)).Distinct().OrderBy(c => imageOrder(c.Name)).Select(c => new PivotColumn(c.Name, $"{c.Name} ({c.SystemdVersion})"))]))
            .ToList();
        return new PivotTable(sections, r => r.Image.Name, collapseNotApplicable: true, footnotes: []);
    }

    /// <summary>
    /// Cells of several hosts: a section per image and daemon profile, a column per host in release order and v1,
    /// hybrid, v2 within a release; a host where nothing applied is a footnote with the reason.
    /// </summary>
    public static PivotTable ByHost(IReadOnlyList<CellRecord> cells, Func<string, int> imageOrder)
    {
        var releases = HostReleases.All.Select(r => r.Release).ToList();
        var columns = cells.Select(r => r.Cell.Host).Distinct()
            .OrderBy(h => h.Release is null ? -1 : releases.IndexOf(h.Release)).ThenBy(h => h.CgroupMode)
            .Select(h => new PivotColumn(h.Name, HostHeader(h, cells.Where(r => r.Cell.Host == h && r.Verdict.Kind != VerdictKind.NotApplicable).Select(r => r.Host).FirstOrDefault())))
            .ToList();
        var sections = cells
            .GroupBy(r => (r.Image.Name, r.Image.SystemdVersion, Daemon: r.Cell.Daemon.Name))
            .OrderBy(g => imageOrder(g.Key.Name)).ThenBy(g => g.Key.Daemon, StringComparer.Ordinal)
            .Select(g => new PivotSection($"{g.Key.Name} (systemd {g.Key.SystemdVersion}), daemon profile `{g.Key.Daemon}`", [.. g], columns))
            .ToList();
        var idle = columns
            .Select(c => cells.Where(r => r.Cell.Host.Name == c.Key).ToList())
            .Where(host => host.All(r => r.Verdict.Kind == VerdictKind.NotApplicable))
            .Select(host => $"{host[0].Cell.Host.Name}: {host[0].Verdict.Message}")
            .ToList();
        return new PivotTable(sections, r => r.Cell.Host.Name, collapseNotApplicable: false, idle);
    }

    /// <summary>The sections, then the footnotes (this layout's and <paramref name="more"/>), one list item each.</summary>
    public string ToMarkdown(IEnumerable<string> more)
    {
        var md = new StringBuilder();
        foreach (var section in _sections)
        {
            md.Append(CultureInfo.InvariantCulture, $"#### {section.Heading}\n\n");
            if (_collapseNotApplicable && section.Cells.All(r => r.Verdict.Kind == VerdictKind.NotApplicable))
            {
                var reasons = section.Cells.GroupBy(r => r.Verdict.Message ?? string.Empty).OrderByDescending(g => g.Count()).Select(g => $"{MarkdownText.Escape(g.Key)} ({g.Count()} cells)");
                md.Append(CultureInfo.InvariantCulture, $"All {section.Cells.Count} cells not applicable: {string.Join("; ", reasons)}.\n\n");
                continue;
            }

            var remedies = section.Cells.Any(r => r.Cell.Run.Remedy != Remedy.None);
            md.Append("| cgroupns | /sys/fs/cgroup | privilege | tmpfs | ")
              .Append(remedies ? "remedy | " : string.Empty).Append(string.Join(" | ", section.Columns.Select(c => c.Header))).Append(" |\n");
            md.Append("|---|---|---|---|").Append(remedies ? "---|" : string.Empty).Append(string.Concat(section.Columns.Select(_ => "---|"))).Append('\n');
            foreach (var row in ByRun(section.Cells))
            {
                md.Append(RunColumns(row, remedies));
                foreach (var column in section.Columns)
                {
                    var cell = row.FirstOrDefault(r => _columnOf(r) == column.Key);
                    md.Append(' ').Append(cell is null ? " " : Short(cell.Verdict)).Append(" |");
                }

                md.Append('\n');
            }

            md.Append('\n');
        }

        foreach (var note in _footnotes.Concat(more))
        {
            md.Append(CultureInfo.InvariantCulture, $"- {MarkdownText.Escape(note)}\n");
        }

        return md.ToString();
    }

    /// <summary>A host column's heading: release and cgroup mode, and the Docker version measured there (upstream part only).</summary>
    private static string HostHeader(HostSpec host, HostIdentity? measured)
    {
        var name = host.Name.Replace("vm-", string.Empty, StringComparison.Ordinal);
        return measured is null ? name : $"{name} (Docker {measured.EngineVersion.Split('+')[0]})";
    }

    /// <summary>Rows of a pivot: one per run profile, least to most unusual (remedies last), least privilege first.</summary>
    private static IEnumerable<IGrouping<RunProfile, CellRecord>> ByRun(IEnumerable<CellRecord> cells) =>
        cells.GroupBy(r => r.Cell.Run)
            .OrderBy(g => g.Key.Remedy).ThenBy(g => g.Key.Cgroupns).ThenBy(g => g.Key.CgroupMount).ThenByDescending(g => g.Key.Tmpfs).ThenBy(g => PrivilegeOrder(g.Key.Privilege));

    /// <summary>The leading cells of a pivot row: the run profile's axes, with the aliases of its cells.</summary>
    private static string RunColumns(IGrouping<RunProfile, CellRecord> row, bool remedies)
    {
        var aliases = row.SelectMany(r => r.Cell.Aliases).Distinct().Order(StringComparer.Ordinal).ToList();
        var run = row.Key;
        return $"| {AxisNames.Of(run.Cgroupns)} | {MountLabel(run.CgroupMount)} | {PrivilegeLabel(run.Privilege)} | {(run.Tmpfs ? "on" : "off")}"
               + (aliases.Count > 0 ? $" ({string.Join(", ", aliases)})" : string.Empty) + " |"
               + (remedies ? $" {RemedyLabel(run.Remedy)} |" : string.Empty);
    }

    /// <summary>How the columns read: what each value means as a flag is in the README's "How to read it".</summary>
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
}

/// <summary>Text for Markdown tables.</summary>
internal static class MarkdownText
{
    // Table cells: a pipe would end the cell, and placeholders such as <id> would vanish as HTML tags.
    public static string Escape(string text) => text
        .Replace("|", "\\|", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal)
        .Replace("\n", " ", StringComparison.Ordinal);
}
