using System.CommandLine;
using SystemdMatrix.Reporting;

namespace SystemdMatrix.Cli;

/// <summary><c>report</c>: renders the committed reference results (docs/compatibility/*.json) into their Markdown and the README.</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var check = new Option<bool>("--check") { Description = "Fail when a rendering differs from what the committed results give, instead of writing it." };
        var publish = new Option<string?>("--publish") { Description = "First commit MATRIX's newest stored results (artifacts/results, as a finished or interrupted run left them; undecided cells listed as missing) as its reference results, then render." };
        var against = new Option<string?>("--against") { Description = "List the cells whose verdict changed since these older results (a MATRIX.json), regressions first; exit 1 on a regression." };
        var render = new Option<string?>("--render") { Description = "Render these results (a MATRIX.json, say merged shards) as tables and a page under --artifacts, instead of the committed ones." };
        var newer = new Option<string?>("--results") { Description = "With --against: the newer results (default: artifacts/compatibility/MATRIX.json, what the last run of the older results' matrix wrote)." };
        var command = new Command("report", $"Render {CommittedReports.Folder}/*.json (the reference runs' results) into {CommittedReports.Folder}/*.md and the README's generated blocks.") { check, publish, against, newer, render };
        command.SetAction((result, ct) => Out.Guard(async () =>
        {
            var layout = CliOptions.Layout(result);
            if (result.GetValue(render) is { } resultsPath)
            {
                var rendered = CompatibilityReport.Load(resultsPath);
                var written = await ReportArtifacts.WriteAsync(rendered, rendered.Cells, Data.ProjectData.Load(layout).Signatures, layout.Artifacts, ct);
                Out.Log($"{resultsPath}: {rendered.Cells.Count} cells rendered as {string.Join(", ", written)}");
                return 0;
            }

            if (result.GetValue(against) is { } olderPath)
            {
                var older = CompatibilityReport.Load(olderPath);
                var newerPath = result.GetValue(newer) ?? Path.Combine(layout.Artifacts, "compatibility", $"{older.Matrix}.json");
                if (!File.Exists(newerPath))
                {
                    Out.Error($"{newerPath}: no results to compare with {olderPath} (run --matrix {older.Matrix} first, or name them with --results)");
                    return 2;
                }

                var changes = VerdictChanges.Between(older.Cells, CompatibilityReport.Load(newerPath).Cells);
                Out.Log(changes.Describe(olderPath, newerPath).TrimEnd('\n'));
                return changes.Regressions.Any() ? 1 : 0;
            }

            if (result.GetValue(check))
            {
                var drift = CommittedReports.Drift(layout);
                if (drift.Count > 0)
                {
                    Out.Error($"rendered from {CommittedReports.Folder} but changed since: {string.Join(", ", drift)}; run `systemd-matrix report` and commit the result");
                    return 1;
                }

                Out.Log($"every rendering of {CommittedReports.Folder} is current");
                return 0;
            }

            if (result.GetValue(publish) is { } matrix)
            {
                var data = Data.ProjectData.Load(layout);
                var report = CommittedReports.FromStore(data.Definition, matrix, new Results.ResultStore(layout.Results));
                if (CommittedReports.Unpublishable(report, requireComplete: false) is { } why)
                {
                    Out.Error($"not published: {why}");
                    return 1;
                }

                Out.Log($"published {CommittedReports.Publish(layout, report)}: {report.Cells.Count} cells{(report.Missing.Count > 0 ? $", {report.Missing.Count} not decided yet (the report says so)" : string.Empty)}");
            }

            var changed = CommittedReports.Write(layout);
            Out.Log(changed.Count == 0 ? "every rendering was current" : $"wrote {string.Join(", ", changed)}");
            return 0;
        }));
        return command;
    }
}
