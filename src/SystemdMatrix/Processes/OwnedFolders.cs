using System.Text.Json;
using SystemdMatrix.Engines;

namespace SystemdMatrix.Processes;

/// <summary>What the note beside a thing the harness made (an engine, a VM) says about the process that made it.</summary>
public interface IOwnerRecord
{
    string Purpose { get; }

    int OwnerPid { get; }

    long OwnerStartTicks { get; }
}

/// <summary>Reading and writing owner records: one JSON shape, one test of whether the owner still runs.</summary>
public static class OwnerRecords
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>True while the process that wrote the record is still the same process (pid and start time match).</summary>
    public static bool OwnerAlive(this IOwnerRecord record) => Posix.StartTicks(record.OwnerPid) == record.OwnerStartTicks;

    /// <summary>Why a thing whose owner is gone is reaped.</summary>
    public static string WhyGone(this IOwnerRecord? record) =>
        record is null ? "no owner record" : $"owner pid {record.OwnerPid} ({record.Purpose}) is gone";

    /// <summary>This process's pid and start time, as a record's owner fields.</summary>
    public static (int Pid, long StartTicks) CurrentProcess()
    {
        var pid = Environment.ProcessId;
        return (pid, Posix.StartTicks(pid) ?? 0);
    }

    public static string Serialize<T>(T record)
        where T : IOwnerRecord => JsonSerializer.Serialize(record, Options);

    /// <summary>The record in <paramref name="file"/>, or null when it is missing, cut short or of another shape.</summary>
    public static T? TryRead<T>(string file)
        where T : class, IOwnerRecord
    {
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(file), Options);
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

/// <summary>
/// The folders one kind of harness-made thing keeps (a state folder per id under <see cref="StateRoot"/> holding its
/// owner record, a data folder per id under <see cref="DataRoot"/>), and the reaping they share: staging folders of
/// a process that died creating them, things whose owner is gone, data left without its state (the machine rebooted,
/// so /run is empty). Things whose owner still runs belong to a concurrent run and are left alone.
/// </summary>
public sealed record OwnedFolders<TRecord>(string StateRoot, string DataRoot, string IdPrefix, string RecordName)
    where TRecord : class, IOwnerRecord
{
    public TRecord? ReadRecord(string stateDirectory) => OwnerRecords.TryRead<TRecord>(Path.Combine(stateDirectory, RecordName));

    /// <param name="teardown">Removes the thing of an id (its record, when there is one, says where its files are).</param>
    /// <param name="dataWithoutState">Why a data folder without its state folder is reaped, in the thing's words.</param>
    public async Task<List<ReapedEngine>> ReapAsync(Func<string, TRecord?, Task<IReadOnlyList<string>>> teardown, string dataWithoutState)
    {
        var reaped = new List<ReapedEngine>();
        foreach (var staging in RecordedFolder.ReapStaging(StateRoot, IdPrefix))
        {
            reaped.Add(new ReapedEngine(Path.GetFileName(staging), "state folder of a run that died while creating it", [staging]));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        if (Directory.Exists(StateRoot))
        {
            foreach (var dir in Directory.EnumerateDirectories(StateRoot, IdPrefix + "*"))
            {
                var id = Path.GetFileName(dir);
                seen.Add(id);
                var record = ReadRecord(dir);
                if (record?.OwnerAlive() == true)
                {
                    continue;
                }

                reaped.Add(new ReapedEngine(id, record.WhyGone(), await teardown(id, record).ConfigureAwait(false)));
            }
        }

        if (Directory.Exists(DataRoot))
        {
            foreach (var id in Directory.EnumerateDirectories(DataRoot, IdPrefix + "*").Select(Path.GetFileName).OfType<string>().Where(id => !seen.Contains(id) && !Directory.Exists(Path.Combine(StateRoot, id))))
            {
                reaped.Add(new ReapedEngine(id, dataWithoutState, await teardown(id, null).ConfigureAwait(false)));
            }
        }

        return reaped;
    }
}
