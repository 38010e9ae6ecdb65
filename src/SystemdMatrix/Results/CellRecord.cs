using System.Text.Json.Serialization;
using SystemdMatrix.Boot;
using SystemdMatrix.Images;
using SystemdMatrix.Model;
using SystemdMatrix.Runs;

namespace SystemdMatrix.Results;

/// <summary>The cell a record is about, as the matrix defines it: its id, the host asked for, image, daemon profile and run profile.</summary>
public sealed record CellKey(string Id, HostSpec Host, string Image, DaemonProfile Daemon, RunProfile Run, IReadOnlyList<string> Aliases)
{
    public static CellKey Of(Cell cell) => new(cell.Id, cell.Host, cell.Image, cell.Daemon, cell.Run, cell.Aliases);
}

/// <summary>The image a cell ran (or would have run): its tag, the hash of its recipe and its systemd version; null parts when it was unavailable.</summary>
public sealed record ImageRecord(string Name, string? Tag, string? RecipeHash, string? SystemdVersion)
{
    public static ImageRecord Of(string name, ImageFacts? facts) => new(name, facts?.Tag, facts?.RecipeHash, facts?.SystemdVersion);
}

/// <summary>
/// How long the cell's boot took (zero when nothing was booted), how many boots it needed (retries after
/// infrastructure errors), and the seconds per phase around it: waiting for the host, putting the host's state
/// back before and after, probing, create and start, reaching multi-user.target, systemd's answer, logs, the
/// host-write check, removal.
/// </summary>
public sealed record CellTiming(double Seconds, int Attempts)
{
    public IReadOnlyDictionary<string, double> Phases { get; init; } = new Dictionary<string, double>();
}

/// <summary>
/// One cell's result, typed, for programs: what ran (<see cref="Cell"/>), where (<see cref="Host"/>, measured; null
/// when no host was needed to decide it), with what (<see cref="Image"/>), what happened (<see cref="Verdict"/>),
/// how it was decided (<see cref="Stage"/>), how long it took and the <c>docker run</c> argv that reproduces it.
/// Persisted by <see cref="ResultStore"/>, read by the reports, and described by the committed JSON Schema
/// (<c>docs/schema/cell-record.schema.json</c>). Axis values are spelled as the matrix file spells them.
/// </summary>
public sealed record CellRecord(
    CellKey Cell,
    HostIdentity? Host,
    ImageRecord Image,
    Verdict Verdict,
    DecisionStage Stage,
    CellTiming Timing,
    IReadOnlyList<string> Reproduce,
    DateTimeOffset DecidedAt)
{
    /// <summary>
    /// The shape's version: a reader refuses another (a result store decides such a cell again). 1 was the untyped
    /// row of the first releases (host as display text and key string); 2 is this record.
    /// </summary>
    public const int CurrentSchemaVersion = 2;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>The normalised boot log of a booted cell; result files carry it, report files leave it out.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Log { get; init; }

    /// <summary>The <c>docker run</c> flags of the cell, as the detailed table shows them.</summary>
    [JsonIgnore]
    public string Flags => string.Join(' ', ContainerSpec.For(Image.Tag ?? "IMAGE", Cell.Run).Flags());

    /// <summary>A booted cell: its outcome as the session measured it.</summary>
    public static CellRecord Booted(CellOutcome outcome, ImageFacts? facts) => new(
        CellKey.Of(outcome.Cell),
        outcome.Host,
        ImageRecord.Of(outcome.Cell.Image, facts) with { Tag = outcome.ImageTag },
        outcome.Verdict,
        DecisionStage.Booted,
        new CellTiming(Math.Round(outcome.Duration.TotalSeconds, 2), outcome.Attempts) { Phases = outcome.Phases },
        ContainerSpec.For(outcome.ImageTag, outcome.Cell.Run).ReproductionArguments(),
        DateTimeOffset.UtcNow)
    {
        Log = outcome.NormalisedLog,
    };

    /// <summary>A cell decided without booting it: not applicable, refused, skipped, or its image unavailable (no host).</summary>
    public static CellRecord NotBooted(Cell cell, ImageFacts? facts, HostIdentity? host, DecisionStage stage, Verdict verdict) => new(
        CellKey.Of(cell),
        host,
        ImageRecord.Of(cell.Image, facts),
        verdict,
        stage,
        new CellTiming(0, 0),
        ContainerSpec.For(facts?.Tag ?? cell.Image, cell.Run).ReproductionArguments(),
        DateTimeOffset.UtcNow);
}
