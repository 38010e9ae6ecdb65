using System.CommandLine;
using SystemdMatrix.Reporting;

namespace SystemdMatrix.Cli;

/// <summary><c>compare</c>: the cells whose verdict differs between runs (replays in another order, fresh runs, other machines).</summary>
internal static class CompareCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("reports") { Description = "Two or more compatibility/MATRIX.json files written by run.", Arity = new ArgumentArity(2, 100) };
        var command = new Command("compare", "List the cells whose verdict, signature, state or host writes differ between runs; exit 1 when any does.") { files };
        command.SetAction(result => Out.Guard(() =>
        {
            var reports = result.GetValue(files)!.Select(CompatibilityReport.Load).ToList();
            var (flips, missing, compared) = VerdictComparison.Compare(reports.Select(r => r.Cells).ToList());
            foreach (var flip in flips)
            {
                Out.Log($"flip {flip.CellId}: {string.Join(" | ", flip.Verdicts)}");
            }

            if (missing.Count > 0)
            {
                Out.Log($"{missing.Count} cells are not in every report, e.g. {string.Join(", ", missing.Take(3))}");
            }

            Out.Log($"{compared} cells compared over {reports.Count} runs: {flips.Count} flips");
            return Task.FromResult(flips.Count == 0 ? 0 : 1);
        }));
        return command;
    }
}
