using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SystemdMatrix.Runs;

namespace SystemdMatrix.Results;

/// <summary>
/// <c>artifacts/results/</c>: one JSON file (a <see cref="CellRecord"/>) per host identity and cell, written as soon as the cell is decided, and
/// kept across runs of any matrix: a new result for the same host and cell replaces the old one, nothing else does.
/// <c>runs/</c> beside them says, per matrix and selection, when its last run began and whether it finished. A run
/// of the same matrix and selection that finds an unfinished one resumes it: cells decided since it began, on the same
/// host with the same image recipe, are not booted again. A narrowed run (<c>--where</c>, <c>--cell</c>) is its own
/// run and never marks the whole matrix finished.
/// </summary>
public sealed class ResultStore(string folder)
{
    private static JsonSerializerOptions Options => ResultJson.Options;

    private Dictionary<(string HostKey, string CellId), CellRecord> _reusable = [];
    private RunState? _state;

    public string Folder { get; } = folder;

    /// <summary>Result files that could not be read as results (cut short, or JSON of another shape); decided again.</summary>
    public IReadOnlyList<string> Unreadable { get; private set; } = [];

    private string RunsFolder => Path.Combine(Folder, "runs");

    /// <summary>
    /// Starts (or resumes) a run of <paramref name="matrix"/> over the cells a selection names
    /// (<paramref name="selection"/> is its canonical text, empty for the whole matrix). Returns how many of
    /// <paramref name="cellIds"/> the resumed run already decided; a finished run or <paramref name="fresh"/> starts
    /// over, which replaces the selection's results as cells are decided and touches no other result.
    /// </summary>
    public int Begin(string matrix, string selection, IReadOnlyCollection<string> cellIds, bool fresh)
    {
        Directory.CreateDirectory(RunsFolder);
        var earlier = ReadState(matrix, selection);
        var resume = !fresh && earlier is { Complete: false };
        _state = resume ? earlier! with { UpdatedAt = DateTimeOffset.UtcNow } : new RunState(matrix, selection, Complete: false, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);
        var wanted = cellIds.ToHashSet(StringComparer.Ordinal);
        _reusable = resume
            // Only booted cells are worth keeping: a cell not run (not applicable, skipped) is decided again at no cost.
            ? LoadAll().Where(r => r.Value.DecidedAt >= _state.StartedAt && r.Value.Stage == DecisionStage.Booted && wanted.Contains(r.Key.CellId)).ToDictionary(r => r.Key, r => r.Value)
            : [];
        WriteState(_state);
        return _reusable.Select(r => r.Key.CellId).Distinct().Count();
    }

    /// <summary>An earlier result for this cell on this host with this image recipe, if the run is resuming.</summary>
    public CellRecord? Reusable(string hostKey, string cellId, string? recipeHash) =>
        _reusable.TryGetValue((hostKey, cellId), out var result) && result.Image.RecipeHash == recipeHash ? result : null;

    public void Save(CellRecord result)
    {
        Directory.CreateDirectory(Folder);
        var file = Path.Combine(Folder, FileName(HostKey(result), result.Cell.Id));
        var temp = file + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(result, Options));
        File.Move(temp, file, overwrite: true);
    }

    public void Complete()
    {
        var state = _state ?? throw new InvalidOperationException("Complete() before Begin()");
        WriteState(state with { Complete = true, UpdatedAt = DateTimeOffset.UtcNow });
    }

    /// <summary>
    /// The newest result of each of these cells, on whichever host identity it was decided, and the cells that have
    /// none yet: what a matrix's table is made of.
    /// </summary>
    public (IReadOnlyList<CellRecord> Results, IReadOnlyList<string> Missing) Latest(IReadOnlyCollection<string> cellIds)
    {
        var byCell = LoadAll().Values.GroupBy(r => r.Cell.Id, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(r => r.DecidedAt).First(), StringComparer.Ordinal);
        var results = cellIds.Where(byCell.ContainsKey).Select(id => byCell[id]).ToList();
        var missing = cellIds.Where(id => !byCell.ContainsKey(id)).ToList();
        return (results, missing);
    }

    /// <summary>What keys a result besides its cell: the measured host's key, or <c>unmeasured</c> for a cell decided without a host.</summary>
    public static string HostKey(CellRecord result) => result.Host?.Key ?? "unmeasured";

    public static string FileName(string hostKey, string cellId) => $"{hostKey}__{cellId.Replace("/", "__", StringComparison.Ordinal)}.json";

    /// <summary>The canonical text of a selection, and a short file-name-safe key for it.</summary>
    public static string SelectionKey(string selection) =>
        selection.Length == 0 ? "all" : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(selection)))[..12];

    private Dictionary<(string HostKey, string CellId), CellRecord> LoadAll()
    {
        var results = new Dictionary<(string HostKey, string CellId), CellRecord>();
        var unreadable = new List<string>();
        if (!Directory.Exists(Folder))
        {
            return results;
        }

        // run.json: the single run record of versions before runs/ existed.
        foreach (var file in Directory.EnumerateFiles(Folder, "*.json").Where(f => Path.GetFileName(f) != "run.json"))
        {
            try
            {
                // Another schema version, or JSON of another shape ({} or a hand edit): not a result of this version.
                var result = JsonSerializer.Deserialize<CellRecord>(File.ReadAllText(file), Options);
                if (result is { SchemaVersion: CellRecord.CurrentSchemaVersion })
                {
                    results[(HostKey(result), result.Cell.Id)] = result;
                }
                else
                {
                    unreadable.Add(file);
                }
            }
            catch (JsonException)
            {
                // A file cut short by an interruption, or of an earlier schema: that cell is simply run again.
                unreadable.Add(file);
            }
        }

        Unreadable = unreadable;
        return results;
    }

    private string StateFile(string matrix, string selection) => Path.Combine(RunsFolder, $"{matrix}.{SelectionKey(selection)}.json");

    private RunState? ReadState(string matrix, string selection)
    {
        var file = StateFile(matrix, selection);
        try
        {
            return File.Exists(file) && JsonSerializer.Deserialize<RunState>(File.ReadAllText(file), Options) is { Matrix: not null } state ? state : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private void WriteState(RunState state)
    {
        var file = StateFile(state.Matrix, state.Selection);
        File.WriteAllText(file + ".tmp", JsonSerializer.Serialize(state, Options));
        File.Move(file + ".tmp", file, overwrite: true);
    }

    private sealed record RunState(string Matrix, string Selection, bool Complete, DateTimeOffset StartedAt, DateTimeOffset UpdatedAt);
}
