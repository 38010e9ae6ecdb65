using System.Text.Json;
using SystemdMatrix.Processes;

namespace SystemdMatrix.Hosts;

/// <summary>The note a VM leaves beside its sockets: who started it, so the next run can tell a crash from a neighbour.</summary>
public sealed record VmRecord(string Id, string Purpose, int OwnerPid, long OwnerStartTicks, string StateDirectory, string DataDirectory, DateTimeOffset CreatedAt)
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public bool OwnerAlive => Posix.StartTicks(OwnerPid) == OwnerStartTicks;

    public VmPaths Paths => new(Id, StateDirectory, DataDirectory);

    public static VmRecord ForCurrentProcess(VmPaths paths, string purpose)
    {
        var pid = Environment.ProcessId;
        return new VmRecord(paths.Id, purpose, pid, Posix.StartTicks(pid) ?? 0, paths.StateDirectory, paths.DataDirectory, DateTimeOffset.UtcNow);
    }

    /// <summary>Creates the VM's state folder with this record already in it (see <see cref="RecordedFolder"/>).</summary>
    public void CreateStateDirectory() => RecordedFolder.Create(StateDirectory, Path.GetFileName(Paths.Record), JsonSerializer.Serialize(this, Options));

    public static VmRecord? TryRead(string file)
    {
        try
        {
            return JsonSerializer.Deserialize<VmRecord>(File.ReadAllText(file), Options);
        }
        catch (Exception ex) when (ex is IOException or JsonException)
        {
            return null;
        }
    }
}
