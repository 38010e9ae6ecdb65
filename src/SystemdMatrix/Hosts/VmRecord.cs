using System.Text.Json.Serialization;
using SystemdMatrix.Processes;

namespace SystemdMatrix.Hosts;

/// <summary>The note a VM leaves beside its sockets: who started it, so the next run can tell a crash from a neighbour.</summary>
public sealed record VmRecord(string Id, string Purpose, int OwnerPid, long OwnerStartTicks, string StateDirectory, string DataDirectory, DateTimeOffset CreatedAt) : IOwnerRecord
{
    public const string FileName = "vm.json";

    [JsonIgnore]
    public VmPaths Paths => new(Id, StateDirectory, DataDirectory);

    public static VmRecord ForCurrentProcess(VmPaths paths, string purpose)
    {
        var (pid, startTicks) = OwnerRecords.CurrentProcess();
        return new VmRecord(paths.Id, purpose, pid, startTicks, paths.StateDirectory, paths.DataDirectory, DateTimeOffset.UtcNow);
    }

    /// <summary>Creates the VM's state folder with this record already in it (see <see cref="RecordedFolder"/>).</summary>
    public void CreateStateDirectory() => RecordedFolder.Create(StateDirectory, FileName, OwnerRecords.Serialize(this));
}
