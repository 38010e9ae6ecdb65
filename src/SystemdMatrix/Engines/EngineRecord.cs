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
    bool KeepDataRoot = false) : IOwnerRecord
{
    public const string FileName = "engine.json";

    [JsonIgnore]
    public SandboxPaths Paths => new(Id, StateDirectory, DataRoot) { KeepDataRoot = KeepDataRoot };

    public static EngineRecord ForCurrentProcess(SandboxPaths paths, string purpose, string profile)
    {
        var (pid, startTicks) = OwnerRecords.CurrentProcess();
        return new EngineRecord(paths.Id, purpose, profile, pid, startTicks, paths.StateDirectory, paths.DataRoot, DateTimeOffset.UtcNow, paths.KeepDataRoot);
    }

    public void Write() => File.WriteAllText(Paths.RecordFile, OwnerRecords.Serialize(this));

    /// <summary>Creates the engine's state folder with this record already in it (see <see cref="RecordedFolder"/>).</summary>
    public void CreateStateDirectory() => RecordedFolder.Create(StateDirectory, FileName, OwnerRecords.Serialize(this));
}
