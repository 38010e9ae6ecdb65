using System.Globalization;
using System.Text;
using SystemdMatrix.Model;
using SystemdMatrix.Results;

namespace SystemdMatrix.Reporting;

/// <summary>
/// What a run prints when it ends, instead of every cell (those stay in the Markdown table): verdict counts per host,
/// failures no signature knows (loudly), the least-privileged booting configuration per host, daemon profile and image
/// of what it ran, and where the Markdown, JSON and HTML reports are.
/// </summary>
public static class RunSummary
{
    public static string Render(CompatibilityReport report, IReadOnlyList<string> files)
    {
        var text = new StringBuilder();
        var cells = report.Cells;
        text.Append(CultureInfo.InvariantCulture, $"matrix {report.Matrix}: {cells.Count} cells decided this run{(report.Missing.Count > 0 ? $", {report.Missing.Count} of the matrix not yet" : string.Empty)}\n");
        foreach (var host in cells.GroupBy(c => $"{c.Cell.Host.Name} / {c.Cell.Daemon.Name}").OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var counts = host.GroupBy(c => c.Verdict.Kind).OrderBy(g => g.Key).Select(g => $"{g.Count()} {AxisNames.Of(g.Key)}");
            text.Append(CultureInfo.InvariantCulture, $"  {host.Key}: {string.Join(", ", counts)}\n");
        }

        var unknown = cells.Where(c => c.Verdict.Signature == Signatures.SignatureCatalogue.Unknown).ToList();
        if (unknown.Count > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n!!! {unknown.Count} failed cells match NO known failure signature: add one to matrix/signatures.json !!!\n");
            foreach (var cell in unknown.Take(10))
            {
                text.Append(CultureInfo.InvariantCulture, $"  {cell.Cell.Id}: {cell.Verdict.Summary}\n");
            }

            if (unknown.Count > 10)
            {
                text.Append(CultureInfo.InvariantCulture, $"  ... and {unknown.Count - 10} more (see the Markdown table)\n");
            }
        }

        var answers = cells.Where(c => c.Host is not null)
            .GroupBy(c => (Host: c.Cell.Host.Name, Profile: c.Cell.Daemon.Name, c.Cell.Image))
            .Where(g => g.Any(c => c.Verdict.Kind is VerdictKind.Booted or VerdictKind.Failed or VerdictKind.Skipped))
            .OrderBy(g => g.Key.Host, StringComparer.Ordinal).ThenBy(g => g.Key.Profile, StringComparer.Ordinal).ThenBy(g => g.Key.Image, StringComparer.Ordinal)
            .ToList();
        if (answers.Count > 0)
        {
            text.Append("\nleast privilege that boots (isolated: cannot write the host's cgroup tree; at all: may write it):\n");
            foreach (var group in answers)
            {
                var isolated = LeastPrivilege.Least(group, withoutHostWrites: true);
                var any = LeastPrivilege.Least(group, withoutHostWrites: false);
                var answer = isolated is not null
                    ? $"isolated: {LeastPrivilege.Flags(isolated)}" + (any is not null && any != isolated ? $"; at all: {LeastPrivilege.Flags(any)}" : string.Empty)
                    : any is not null ? $"at all: {LeastPrivilege.Flags(any)} (nothing isolated boots)" : "nothing it ran boots";
                var skipped = group.Count(c => c.Verdict.Kind == VerdictKind.Skipped);
                if (skipped > 0)
                {
                    answer += $" ({skipped} cells that can write this machine's cgroup tree skipped)";
                }

                text.Append(CultureInfo.InvariantCulture, $"  {group.Key.Host} / {group.Key.Profile} / {group.Key.Image}: {answer}\n");
            }
        }

        text.Append("\nreports:\n");
        foreach (var file in files)
        {
            text.Append("  ").Append(file).Append('\n');
        }

        return text.ToString();
    }
}
