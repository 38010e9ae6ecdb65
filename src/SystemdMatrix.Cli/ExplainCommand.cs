using System.CommandLine;
using System.Text.Json;
using SystemdMatrix.Reporting;
using SystemdMatrix.Results;
using SystemdMatrix.Signatures;

namespace SystemdMatrix.Cli;

/// <summary><c>explain</c>: names the failure in a pasted boot log and the fixes the measured cells back.</summary>
internal static class ExplainCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("log") { Description = "A file with the boot log (docker logs NAME > FILE), or - for standard input.", DefaultValueFactory = _ => "-" };
        var json = new Option<bool>("--json") { Description = "The same as a JSON document." };
        var command = new Command("explain", "Name the failure in a container's boot log (as pasted: colour codes, docker logs output or one line), the axis responsible, why, and the fixes ranked by privilege with the measured cells that back each.") { file, json };
        command.SetAction(result => Out.Guard(async () =>
        {
            var path = result.GetValue(file)!;
            string raw;
            if (path == "-")
            {
                raw = await Console.In.ReadToEndAsync();
            }
            else if (!File.Exists(path))
            {
                Out.Error($"{path}: no such file (give a file with the boot log, or - to read standard input)");
                return 2;
            }
            else
            {
                raw = await File.ReadAllTextAsync(path);
            }

            var layout = CliOptions.Layout(result);
            var reports = CommittedReports.Load(layout);
            var results = reports.SelectMany(r => r.Cells).ToList();
            var rows = reports.SelectMany(r => r.Cells.Select(c => (c.Cell.Id, Row: $"{CommittedReports.Folder}/{r.Matrix}.html#cell={Uri.EscapeDataString(c.Cell.Id)}")))
                .DistinctBy(x => x.Id).ToDictionary(x => x.Id, x => x.Row, StringComparer.Ordinal);
            var explanation = LogExplainer.Explain(raw, SignatureCatalogue.Load(layout.Signatures), results);
            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(Document(explanation, rows), ResultJson.Options));
            }
            else if (explanation.IsExplained)
            {
                Console.WriteLine(LogExplainer.Render(explanation, rows.GetValueOrDefault));
            }
            else
            {
                Out.Error(explanation.Message);
            }

            return explanation.Outcome switch
            {
                ExplainOutcome.Explained => 0,
                ExplainOutcome.Unknown => 1,
                _ => 2,
            };
        }));
        return command;
    }

    private static object Document(LogExplanation explanation, IReadOnlyDictionary<string, string> rows) => new
    {
        outcome = explanation.Outcome.ToString().ToLowerInvariant(),
        message = explanation.Message,
        signature = explanation.Match?.Signature.Id,
        matched = explanation.Match?.Lines,
        axis = explanation.Match?.Signature.Axis,
        why = explanation.Match?.Signature.Explanation,
        fixes = explanation.Fixes.Select(f => new
        {
            rank = f.Rank,
            change = f.Fix.Text,
            why = f.Fix.Why,
            verified = f.Fix.ProvenBy is not null && f.Evidence.Proven,
            backing = LogExplainer.Backing(f.Evidence),
            provenBy = f.Evidence.Proof.Select(p => new { cell = p.Cell.Id, row = rows.GetValueOrDefault(p.Cell.Id), reproduce = p.Reproduce }).Take(5),
        }),
    };
}
