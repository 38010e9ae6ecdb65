using System.CommandLine;
using Spectre.Console;
using SystemdMatrix.Images;
using SystemdMatrix.Model;
using SystemdMatrix.Runs;

namespace SystemdMatrix.Cli;

/// <summary><c>run</c>: the main job. Boots a named matrix on sandbox engines and writes the compatibility table.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var matrix = new Option<string>("--matrix") { Description = "The named matrix from matrix/matrices.json.", DefaultValueFactory = _ => "full" };
        var parallel = new Option<int>("--parallel") { Description = "Cells booted at once per engine.", DefaultValueFactory = _ => MatrixRunOptions.DefaultParallelism };
        var where = new Option<string[]>("--where") { Description = "Only cells with this axis value, e.g. cgroupns=host, mount=rw, image=seed-replica (repeatable).", AllowMultipleArgumentsPerToken = true };
        var cell = new Option<string[]>("--cell") { Description = "Only cells whose id contains this text, or with this alias (e.g. seed#2).", AllowMultipleArgumentsPerToken = true };
        var fresh = new Option<bool>("--fresh") { Description = "Do not resume an interrupted run; boot every cell again." };
        var readme = new Option<bool>("--update-readme") { Description = "Also replace the compatibility table in README.md with this run's." };
        var command = new Command("run", "Boot every cell of a matrix on sandbox engines and write artifacts/compatibility.{md,json}.") { matrix, parallel, where, cell, fresh, readme };
        command.SetAction((result, ct) => Out.Guard(async () =>
        {
            var layout = CliOptions.Layout(result);
            var run = new MatrixRun(layout, new ImageCache(ImageCache.DefaultRoot), Out.Log);
            var report = await run.RunAsync(new MatrixRunOptions(result.GetValue(matrix)!) 
            {
                Parallelism = result.GetValue(parallel),
                Selector = new Matrix.CellSelector(result.GetValue(where) ?? [], result.GetValue(cell) ?? []),
                Fresh = result.GetValue(fresh),
                UpdateReadme = result.GetValue(readme),
            }, ct);

            var table = new Table().Title($"matrix {report.Matrix}").AddColumns("cell", "flags", "verdict", "decisive line", "s");
            foreach (var row in report.OrderedRows)
            {
                var colour = row.Verdict.Kind switch
                {
                    VerdictKind.Booted => "green",
                    VerdictKind.Failed => "red",
                    VerdictKind.InfrastructureError => "magenta",
                    _ => "yellow",
                };
                table.AddRow(
                    new Markup(Markup.Escape(string.Join(", ", [.. row.Aliases, row.Image]))),
                    new Markup(Markup.Escape(row.Flags)),
                    new Markup($"[{colour}]{Markup.Escape(row.Verdict.Label)}[/]"),
                    new Markup(Markup.Escape(row.Verdict.Summary)),
                    new Markup(row.Seconds.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)));
            }

            AnsiConsole.Write(table);
            Out.Log($"wrote {Path.Combine(layout.Artifacts, "compatibility.md")} and compatibility.json ({report.Rows.Count} cells)");

            var unknown = report.Rows.Count(r => r.Verdict.Signature == Signatures.SignatureCatalogue.Unknown);
            if (unknown > 0)
            {
                Out.Error($"{unknown} failed cells match no known failure signature; see the table");
            }

            var broken = report.Rows.Count(r => r.Verdict.Kind == VerdictKind.InfrastructureError);
            if (broken > 0)
            {
                Out.Error($"{broken} cells hit infrastructure errors (after retries); their verdicts are not statements about systemd");
                return 3;
            }

            return 0;
        }));
        return command;
    }
}
