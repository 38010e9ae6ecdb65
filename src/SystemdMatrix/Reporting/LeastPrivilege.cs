using System.Globalization;
using System.Text;
using SystemdMatrix.Boot;
using SystemdMatrix.Isolation;
using SystemdMatrix.Model;
using SystemdMatrix.Results;

namespace SystemdMatrix.Reporting;

/// <summary>
/// Orders booting configurations from least to most privileged, and renders the answer on cgroup v2 from a reference
/// run's results: per host and image, the least-privileged configuration that boots without being able to write the
/// host's cgroup tree and the least-privileged one that boots at all, which privilege levels boot, which daemon
/// profiles boot, and one sentence per engine version answering the seed report's question.
/// </summary>
public static class LeastPrivilege
{
    /// <summary>Privilege levels from least to most.</summary>
    public static readonly IReadOnlyList<Privilege> Levels = [Privilege.None, Privilege.WritableCgroups, Privilege.CapSysAdmin, Privilege.Privileged];

    /// <summary>
    /// Whether the cell can write its host's cgroup tree outside its own: the isolation rules say it may (rw binds,
    /// SYS_ADMIN, --privileged, ...), or it was measured doing so.
    /// </summary>
    public static bool WritesHostTree(CellRecord record) =>
        record.Verdict.HostWrites.Count > 0
        || (record.Host is { } host && HostWriteClassifier.Reason(new Cell(record.Cell.Image, record.Cell.Daemon, record.Cell.Run, record.Cell.Aliases) { Host = record.Cell.Host }, host) is not null);

    /// <summary>The least-privileged booted cell (privilege level first, then the host's namespace and binds), or null.</summary>
    public static CellRecord? Least(IEnumerable<CellRecord> cells, bool withoutHostWrites) =>
        cells.Where(c => c.Verdict.Kind == VerdictKind.Booted && (!withoutHostWrites || !WritesHostTree(c)))
            .OrderBy(c => Rank(c))
            .ThenBy(c => c.Cell.Id, StringComparer.Ordinal)
            .FirstOrDefault();

    /// <summary>Smaller is less privilege: level, whether it can write the host's tree, host cgroupns, the bind, another daemon profile, a remedy.</summary>
    public static (int Level, bool Writes, bool HostNamespace, int Bind, bool OtherProfile, bool Remedy) Rank(CellRecord cell) =>
        Rank(cell.Cell.Run, cell.Host?.CgroupMode, WritesHostTree(cell), cell.Cell.Daemon.Name != "default");

    /// <summary>A configuration's rank before it ran (<c>doctor</c> orders its candidates so): whether it can write is the isolation rules'.</summary>
    public static (int Level, bool Writes, bool HostNamespace, int Bind, bool OtherProfile, bool Remedy) Rank(Cell cell, HostIdentity host) =>
        Rank(cell.Run, host.CgroupMode, HostWriteClassifier.Reason(cell, host) is not null, otherProfile: false);

    private static (int Level, bool Writes, bool HostNamespace, int Bind, bool OtherProfile, bool Remedy) Rank(RunProfile run, HostCgroupMode? mode, bool writes, bool otherProfile)
    {
        var hostNamespace = run.InHostCgroupNamespace(mode);
        var bind = run.CgroupMount switch
        {
            CgroupMount.None => 0,
            CgroupMount.ReadOnlyBind => 1,
            CgroupMount.RecursiveWritableBind => 2,
            _ => 3,
        };
        return (Levels.ToList().IndexOf(run.Privilege), writes, hostNamespace, bind, otherProfile, run.Remedy != Remedy.None);
    }

    /// <summary>A configuration's flags without the image and the tmpfs set (every v2 cell has it), or "no flags".</summary>
    public static string Flags(CellRecord cell)
    {
        var flags = ContainerSpec.For("image", cell.Cell.Run).Flags().ToList();
        for (var i = flags.IndexOf("--tmpfs"); i >= 0; i = flags.IndexOf("--tmpfs"))
        {
            flags.RemoveRange(i, 2);
        }

        var profile = cell.Cell.Daemon.Name == "default" ? string.Empty : $" (daemon: {cell.Cell.Daemon.Name})";
        // userns-host is a flag (--userns=host) already in the list; chown-cgroup is a step on the host, named instead.
        var remedy = cell.Cell.Run.Remedy == Remedy.ChownCgroup ? $" + {AxisNames.Of(cell.Cell.Run.Remedy)}" : string.Empty;
        return (flags.Count == 0 ? "no cgroup flags" : string.Join(' ', flags)) + remedy + profile;
    }

    /// <summary>
    /// The answer on cgroup v2 as Markdown, from a run of the <c>v2</c> matrix: the seed's question per engine, the
    /// host x image table and the daemon profiles, then where it used to work (the v1 and hybrid hosts).
    /// <paramref name="brief"/> is the README's: without the v1 and hybrid hosts (the matrix's own page has them), and
    /// the tables spell the bind's source and target as <c>…</c>.
    /// </summary>
    public static string RenderV2Answer(CompatibilityReport report, bool brief = false)
    {
        var measured = report.Cells.Where(c => c.Host is not null).ToList();
        var imageOrder = report.Images.Select((image, index) => (image.Name, index)).ToDictionary(x => x.Name, x => x.index, StringComparer.Ordinal);
        var systemd = report.Images.ToDictionary(i => i.Name, i => i.SystemdVersion ?? "?", StringComparer.Ordinal);
        var hostOrder = Hosts.HostReleases.All.Select((r, i) => (r.Release, i)).ToDictionary(x => x.Release, x => x.i, StringComparer.Ordinal);
        IEnumerable<IGrouping<string, CellRecord>> ByHost(IEnumerable<CellRecord> cells) => cells
            .GroupBy(c => c.Cell.Host.Name)
            .OrderBy(g => hostOrder.GetValueOrDefault(g.First().Cell.Host.Release ?? string.Empty, int.MaxValue))
            .ThenBy(g => g.First().Cell.Host.CgroupMode);
        string HostName(IGrouping<string, CellRecord> host) => HostLabel(host.First(c => c.Host is not null));

        var md = new StringBuilder();
        if (report.Missing.Count > 0)
        {
            md.Append(CultureInfo.InvariantCulture, $"**Incomplete**: {report.Missing.Count} of the matrix's {report.Missing.Count + report.Cells.Count} cells are not decided yet (the run resumes where it stopped); what follows is made of the {report.Cells.Count} decided so far.\n\n");
        }

        var v2 = measured.Where(c => c.Cell.Host.CgroupMode == HostCgroupMode.V2).ToList();

        md.Append("**The seed report's question** (how to run systemd in a container on a cgroup v2 host without `--cgroupns=host`), per engine version, least privilege first: on the seed's own image (systemd ")
          .Append(systemd.GetValueOrDefault("seed-replica", "?"))
          .Append(", with the report's `VOLUME [\"/sys/fs/cgroup\"]`), on Debian bullseye's (the same systemd without that volume) and on Debian bookworm's (systemd ")
          .Append(systemd.GetValueOrDefault("debian-bookworm", "?"))
          .Append("); the seed's and bookworm's also under other daemon settings (`userns-remap`, the `cgroupfs` driver, the `systemd` driver with `cgroup-parent: docker.slice`):\n\n");
        foreach (var host in ByHost(v2))
        {
            md.Append(CultureInfo.InvariantCulture, $"- **{HostName(host)}**: ");
            md.Append(string.Join("; ", SeedQuestionImages.Select(image => $"{image.Label}: {Answer(host.Where(c => c.Cell.Image == image.Name && !Rank(c).HostNamespace).ToList())}")));
            md.Append(".\n");
        }

        md.Append("\n#### On every v2 host and image (daemon profile `default`)\n\n");
        if (brief)
        {
            md.Append("In the tables, `…` is `/sys/fs/cgroup:/sys/fs/cgroup` (with `--mount`: `type=bind,source=/sys/fs/cgroup,target=/sys/fs/cgroup`).\n\n");
        }

        md.Append("Least privilege first: **isolated** = the least-privileged configuration that boots and cannot write the host's cgroup tree (no `:rw` bind, no `SYS_ADMIN`, not `--privileged`, not the host's cgroupns without a bind); **at all** = the least-privileged one that boots. Then, per privilege level, how many of the configurations the engine ran boot (`refused`: the engine rejects the flag; `-`: none is applicable). Tmpfs on `/run`, `/run/lock`, `/tmp` in every cell.\n\n");
        md.Append("| host | image | isolated | at all | none | writable-cgroups | sys-admin | privileged |\n|---|---|---|---|---|---|---|---|\n");
        foreach (var host in ByHost(v2.Where(c => c.Cell.Daemon.Name == "default")))
        {
            foreach (var image in host.GroupBy(c => c.Cell.Image).OrderBy(g => imageOrder.GetValueOrDefault(g.Key, int.MaxValue)))
            {
                var isolated = Least(image, withoutHostWrites: true);
                var any = Least(image, withoutHostWrites: false);
                md.Append(CultureInfo.InvariantCulture, $"| {HostName(host)} | {image.Key} ({systemd.GetValueOrDefault(image.Key, "?")}) | {Cell(isolated, mark: true, brief)} | {Cell(any, mark: false, brief)} |");
                foreach (var level in Levels)
                {
                    md.Append(' ').Append(LevelSummary(image.Where(c => c.Cell.Run.Privilege == level && c.Cell.Run.Remedy == Remedy.None).ToList())).Append(" |");
                }

                md.Append('\n');
            }
        }

        var profiles = v2.Where(c => c.Cell.Image is "seed-replica" or "debian-bookworm").ToList();
        var columns = profiles.Select(ProfileColumn).Distinct(StringComparer.Ordinal).OrderBy(ProfileOrder).ToList();
        md.Append("\n#### Daemon profiles on v2 hosts (the seed's cells and the privilege axis with `--cgroupns=private` and no bind)\n\n");
        md.Append("The least-privileged booting configuration under each daemon profile (and userns-remap remedy); `-` when none of them boots.\n\n");
        md.Append("| host | image | ").Append(string.Join(" | ", columns)).Append(" |\n|---|---|").Append(string.Concat(columns.Select(_ => "---|"))).Append('\n');
        foreach (var host in ByHost(profiles))
        {
            foreach (var image in host.GroupBy(c => c.Cell.Image).OrderBy(g => imageOrder.GetValueOrDefault(g.Key, int.MaxValue)))
            {
                // The default profile's column compares like with like: the same configurations the other profiles ran.
                var comparable = image.Where(c => c.Cell.Daemon.Name != "default" || image.Any(o => o.Cell.Daemon.Name != "default" && o.Cell.Run == c.Cell.Run)).ToList();
                md.Append(CultureInfo.InvariantCulture, $"| {HostName(host)} | {image.Key} |");
                foreach (var column in columns)
                {
                    var least = Least(comparable.Where(c => ProfileColumn(c) == column), withoutHostWrites: false);
                    md.Append(' ').Append(least is null ? "-" : $"`{TableFlags(least with { Cell = least.Cell with { Daemon = least.Cell.Daemon with { Name = "default" }, Run = least.Cell.Run with { Remedy = Remedy.None } } }, brief)}`").Append(" |");
                }

                md.Append('\n');
            }
        }

        var older = measured.Where(c => c.Cell.Host.CgroupMode != HostCgroupMode.V2).ToList();
        if (!brief && older.Count > 0)
        {
            md.Append("\n#### Where it used to work: v1 and hybrid hosts (the seed's cells x every privilege level)\n\n");
            md.Append("| host | image | isolated | at all | none | writable-cgroups | sys-admin | privileged |\n|---|---|---|---|---|---|---|---|\n");
            foreach (var host in ByHost(older))
            {
                foreach (var image in host.GroupBy(c => c.Cell.Image).OrderBy(g => imageOrder.GetValueOrDefault(g.Key, int.MaxValue)))
                {
                    md.Append(CultureInfo.InvariantCulture, $"| {HostName(host)} | {image.Key} ({systemd.GetValueOrDefault(image.Key, "?")}) | {Cell(Least(image, true), mark: true, brief)} | {Cell(Least(image, false), mark: false, brief)} |");
                    foreach (var level in Levels)
                    {
                        md.Append(' ').Append(LevelSummary(image.Where(c => c.Cell.Run.Privilege == level).ToList())).Append(" |");
                    }

                    md.Append('\n');
                }
            }
        }

        return md.ToString();
    }

    /// <summary>
    /// The images the seed's question is answered for, each from every cell it has on the host: the seed's own and
    /// bookworm's (the v2 matrix runs both under every daemon profile, so a daemon-wide answer such as userns-remap is
    /// named beside the per-container one) and bullseye's (the seed's systemd without its volume, default profile only).
    /// </summary>
    private static readonly IReadOnlyList<(string Name, string Label)> SeedQuestionImages =
        [("seed-replica", "the seed's image"), ("debian-bullseye", "Debian bullseye's"), ("debian-bookworm", "Debian bookworm's")];

    /// <summary>One host's answer for one image, from its cells outside the host's cgroupns.</summary>
    private static string Answer(IReadOnlyList<CellRecord> cells)
    {
        var isolated = Least(cells, withoutHostWrites: true);
        var any = Least(cells, withoutHostWrites: false);
        if (isolated is null && any is null)
        {
            return "nothing boots without `--cgroupns=host`";
        }

        var text = isolated is not null
            ? $"`{Flags(isolated)}` boots and cannot write the host's cgroup tree (`{isolated.Cell.Id}`)"
            : "nothing boots that cannot write the host's cgroup tree";
        if (any is not null && (isolated is null || Rank(any).CompareTo(Rank(isolated)) < 0) && any != isolated)
        {
            text += $"{(isolated is null ? ";" : ", and with less privilege but able to write it,")} `{Flags(any)}` boots (`{any.Cell.Id}`)";
        }

        return text;
    }

    private static string Cell(CellRecord? cell, bool mark, bool brief) =>
        cell is null ? "nothing boots" : mark ? $"**`{TableFlags(cell, brief)}`**" : $"`{TableFlags(cell, brief)}`";

    /// <summary>A configuration's flags in a table cell: with <paramref name="brief"/>, the cgroup bind's paths as <c>…</c>.</summary>
    private static string TableFlags(CellRecord cell, bool brief) => brief
        ? Flags(cell).Replace("type=bind,source=/sys/fs/cgroup,target=/sys/fs/cgroup", "…", StringComparison.Ordinal).Replace("/sys/fs/cgroup:/sys/fs/cgroup", "…", StringComparison.Ordinal)
        : Flags(cell);

    private static string LevelSummary(IReadOnlyList<CellRecord> cells)
    {
        if (cells.Count == 0)
        {
            return "-";
        }

        var ran = cells.Where(c => c.Verdict.Kind is VerdictKind.Booted or VerdictKind.Failed).ToList();
        if (ran.Count == 0)
        {
            return cells.Any(c => c.Verdict.Kind == VerdictKind.EngineRefused) ? "refused" : "-";
        }

        var booted = ran.Count(c => c.Verdict.Kind == VerdictKind.Booted);
        return booted == 0 ? $"0/{ran.Count}" : $"{booted}/{ran.Count} boot";
    }

    private static string ProfileColumn(CellRecord cell) =>
        cell.Cell.Run.Remedy == Remedy.None ? cell.Cell.Daemon.Name : $"{cell.Cell.Daemon.Name} + {AxisNames.Of(cell.Cell.Run.Remedy)}";

    private static int ProfileOrder(string column) => column switch
    {
        "default" => 0,
        "cgroupfs" => 1,
        "systemd-driver-slice" => 2,
        "userns-remap" => 3,
        _ => 4,
    };

    /// <summary>A host as the answer and the page name it: release (or the host's name), cgroup mode, Docker version without its packaging suffix.</summary>
    public static string HostLabel(CellRecord cell) => cell.Host is { } host
        ? $"{cell.Cell.Host.Release ?? cell.Cell.Host.Name} {AxisNames.Of(host.CgroupMode)}, Docker {host.EngineVersion.Split('+', '-')[0]}"
        : cell.Cell.Host.Name;
}
