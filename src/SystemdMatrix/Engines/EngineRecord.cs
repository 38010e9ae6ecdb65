using System.Text.Json;
using System.Text.Json.Serialization;
using SystemdMatrix.Processes;

namespace SystemdMatrix.Engines;

/// <summary>
/// The note an engine leaves beside its socket: who started it and where its files are. The next run reads these to
/// tell an engine whose owner is alive (leave it) from one whose owner crashed (reap it).
/// </summary>
public sealed record EngineRecord(
    string Id,
    string Purpose,
    string Profile,
    int OwnerPid,
    long OwnerStartTicks,
    string StateDirectory,
    string DataRoot,
    DateTimeOffset CreatedAt,
    bool KeepDataRoot = false)
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    [JsonIgnore]
    public SandboxPaths Paths => new(Id, StateDirectory, DataRoot) { KeepDataRoot = KeepDataRoot };

    /// <summary>True while the process that started the engine is still the same process (pid and start time match).</summary>
    public bool OwnerAlive => Posix.StartTicks(OwnerPid) == OwnerStartTicks;

    public static EngineRecord ForCurrentProcess(SandboxPaths paths, string purpose, string profile)
    {
        var pid = Environment.ProcessId;
        return new EngineRecord(paths.Id, purpose, profile, pid, Posix.StartTicks(pid) ?? 0, paths.StateDirectory, paths.DataRoot, DateTimeOffset.UtcNow, paths.KeepDataRoot);
    }

    public void Write() => File.WriteAllText(Paths.RecordFile, JsonSerializer.Serialize(this, Options));

    /// <summary>Creates the engine's state folder with this record already in it (see <see cref="RecordedFolder"/>).</summary>
    public void CreateStateDirectory() => RecordedFolder.Create(StateDirectory, Path.GetFileName(Paths.RecordFile), JsonSerializer.Serialize(this, Options));

    public static EngineRecord? TryRead(string file)
    {
        try
        {
            return JsonSerializer.Deserialize<EngineRecord>(File.ReadAllText(file), Options);
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
