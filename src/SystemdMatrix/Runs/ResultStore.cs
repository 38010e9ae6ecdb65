using System.Text.Json;
using System.Text.Json.Serialization;
using SystemdMatrix.Reporting;

namespace SystemdMatrix.Runs;

/// <summary>One cell's result as stored under <c>artifacts/results/</c>: the table row plus what reproduces it.</summary>
public sealed record CellResult(
    ReportRow Row,
    string? RecipeHash,
    IReadOnlyList<string> DockerRun,
    string Log);

/// <summary>
/// <c>artifacts/results/</c>: one JSON file per cell, written as soon as the cell is decided, and <c>run.json</c>
/// saying which matrix the folder belongs to and whether that run finished. A run of the same matrix that finds an
/// unfinished folder resumes: cells already decided on the same host with the same image recipe are not booted again.
/// </summary>
public sealed class ResultStore(string folder)
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    private Dictionary<(string HostKey, string CellId), CellResult> _previous = [];

    public string Folder { get; } = folder;

    private string StateFile => Path.Combine(Folder, "run.json");

    /// <summary>
    /// Starts (or resumes) a run of <paramref name="matrix"/>. Returns how many earlier results can be reused; a
    /// finished run, another matrix, or <paramref name="fresh"/> starts from an empty folder.
    /// </summary>
    public int Begin(string matrix, bool fresh)
    {
        var state = ReadState();
        var resume = !fresh && state is { Complete: false } && state.Matrix == matrix;
        if (!resume && Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }

        Directory.CreateDirectory(Folder);
        _previous = resume ? LoadAll() : [];
        WriteState(new RunState(matrix, Complete: false, DateTimeOffset.UtcNow));
        return _previous.Count;
    }

    /// <summary>An earlier result for this cell on this host with this image recipe, if the run is resuming.</summary>
    public CellResult? Reusable(string hostKey, string cellId, string? recipeHash) =>
        _previous.TryGetValue((hostKey, cellId), out var result) && result.RecipeHash == recipeHash ? result : null;

    public void Save(CellResult result)
    {
        var file = Path.Combine(Folder, FileName(result.Row.HostKey, result.Row.CellId));
        var temp = file + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(result, Options));
        File.Move(temp, file, overwrite: true);
    }

    public void Complete(string matrix) => WriteState(new RunState(matrix, Complete: true, DateTimeOffset.UtcNow));

    public static string FileName(string hostKey, string cellId) => $"{hostKey}__{cellId.Replace("/", "__", StringComparison.Ordinal)}.json";

    private Dictionary<(string, string), CellResult> LoadAll()
    {
        var results = new Dictionary<(string, string), CellResult>();
        foreach (var file in Directory.EnumerateFiles(Folder, "*.json").Where(f => Path.GetFileName(f) != "run.json"))
        {
            try
            {
                if (JsonSerializer.Deserialize<CellResult>(File.ReadAllText(file), Options) is { } result)
                {
                    results[(result.Row.HostKey, result.Row.CellId)] = result;
                }
            }
            catch (JsonException)
            {
                // A file cut short by the interruption: that cell is simply run again.
            }
        }

        return results;
    }

    private RunState? ReadState()
    {
        try
        {
            return File.Exists(StateFile) ? JsonSerializer.Deserialize<RunState>(File.ReadAllText(StateFile), Options) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private void WriteState(RunState state) => File.WriteAllText(StateFile, JsonSerializer.Serialize(state, Options));

    private sealed record RunState(string Matrix, bool Complete, DateTimeOffset UpdatedAt);
}
