using System.CommandLine;
using SystemdMatrix.Reporting;

namespace SystemdMatrix.Cli;

/// <summary><c>merge</c>: one matrix's results from several runs as one report.</summary>
internal static class MergeCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("results") { Description = "MATRIX.json files (a run's artifacts/compatibility/, committed reference results), or folders holding them.", Arity = new ArgumentArity(1, 1000) };
        var output = new Option<string>("--out") { Description = "Where to write the merged report.", Required = true };
        var command = new Command("merge", "Combine one matrix's results from several runs; refuses duplicate cells, one host measured as two, two recipes of one image, other matrices.") { inputs, output };
        command.SetAction(result => Out.Guard(() =>
        {
            var layout = CliOptions.Layout(result);
            var files = result.GetValue(inputs)!.SelectMany(p => Directory.Exists(p) ? Directory.GetFiles(p, "*.json").Order(StringComparer.Ordinal).ToArray() : new[] { p }).ToList();
            var reports = files.Select(f => (f, CompatibilityReport.Load(f))).ToList();
            try
            {
                var merged = ReportMerge.Merge(Data.ProjectData.Load(layout).Definition, reports);
                var path = result.GetValue(output)!;
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
                File.WriteAllText(path, merged.ToJson());
                Out.Log($"merged {files.Count} results of {merged.Matrix} into {path}: {merged.Cells.Count} cells{(merged.Missing.Count > 0 ? $", {merged.Missing.Count} not decided by any" : string.Empty)}");
                return Task.FromResult(0);
            }
            catch (MergeException e)
            {
                Out.Error(e.Message);
                return Task.FromResult(1);
            }
        }));
        return command;
    }
}
