using System.CommandLine;
using SystemdMatrix.Results;

namespace SystemdMatrix.Cli;

/// <summary><c>schema</c>: writes (or checks) the committed JSON Schema of a cell result, generated from the record itself.</summary>
internal static class SchemaCommand
{
    public static Command Create()
    {
        var check = new Option<bool>("--check") { Description = "Fail when the committed schema differs from what the record generates, instead of writing it." };
        var command = new Command("schema", $"Write {ResultJson.SchemaPath}, the JSON Schema of a cell result (artifacts/results/*.json, the cells of compatibility/MATRIX.json).") { check };
        command.SetAction(result => Out.Guard(() =>
        {
            var path = Path.Combine(CliOptions.Layout(result).Root, ResultJson.SchemaPath);
            var schema = ResultJson.Schema();
            var committed = File.Exists(path) ? File.ReadAllText(path) : null;
            if (result.GetValue(check))
            {
                if (committed != schema)
                {
                    Out.Error($"{ResultJson.SchemaPath} {(committed is null ? "is missing" : "differs from the record")}: run `dotnet cake --target=Generate` and commit the result");
                    return Task.FromResult(1);
                }

                Out.Log($"{ResultJson.SchemaPath} matches the record (schema version {CellRecord.CurrentSchemaVersion})");
                return Task.FromResult(0);
            }

            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, schema);
            Out.Log(committed == schema ? $"{ResultJson.SchemaPath} is up to date" : $"wrote {ResultJson.SchemaPath}");
            return Task.FromResult(0);
        }));
        return command;
    }
}
