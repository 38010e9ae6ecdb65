using System.Text.Json.Serialization;
using SystemdMatrix.Matrix;
using SystemdMatrix.Model;
using SystemdMatrix.Results;

namespace SystemdMatrix.Signatures;

/// <summary>
/// Which failing cells a fix is claimed for (<see cref="Where"/>: host class, engine range, image, daemon profile,
/// flags; every part optional) and what the fix changes about such a cell (<see cref="Set"/>). The cell it makes of
/// a failing one is the same host, image, daemon profile and flags with those parts changed.
/// </summary>
public sealed record FixClaim(
    [property: JsonPropertyName("where")] FixScope? Where,
    [property: JsonPropertyName("set")] FixChange Set)
{
    /// <summary>Problems with a claim's spelling (unknown axis values), for the catalogue's all-errors validation.</summary>
    internal static IEnumerable<string> Problems(FixClaim claim, string where)
    {
        string? Check<T>(string? value, string field)
            where T : struct, Enum =>
            value is null || AxisNames.TryParse<T>(value, out _) ? null : $"{where}.{field}: unknown value '{value}' (known: {string.Join(", ", AxisNames.Names<T>())})";

        IEnumerable<string?> All()
        {
            var set = claim.Set;
            if (set is null)
            {
                yield return $"{where}.set is missing: a fix changes something about the failing cell";
                yield break;
            }

            yield return Check<CgroupnsMode>(set.Cgroupns, "set.cgroupns");
            yield return Check<CgroupMount>(set.Mount, "set.mount");
            yield return Check<Privilege>(set.Privilege, "set.privilege");
            yield return Check<Remedy>(set.Remedy, "set.remedy");
            yield return Check<HostCgroupMode>(set.HostCgroupMode, "set.hostCgroupMode");
            yield return set.Tmpfs is null or "on" or "off" ? null : $"{where}.set.tmpfs: unknown value '{set.Tmpfs}' (known: on, off)";
            foreach (var value in claim.Where?.HostCgroupMode ?? [])
            {
                yield return Check<HostCgroupMode>(value, "where.hostCgroupMode");
            }

            foreach (var value in claim.Where?.Cgroupns ?? [])
            {
                yield return Check<CgroupnsMode>(value, "where.cgroupns");
            }

            foreach (var value in claim.Where?.Mount ?? [])
            {
                yield return Check<CgroupMount>(value, "where.mount");
            }

            foreach (var value in claim.Where?.Privilege ?? [])
            {
                yield return Check<Privilege>(value, "where.privilege");
            }
        }

        return All().OfType<string>();
    }
}

/// <summary>Where a fix is claimed to work: lists match any of their values, engine bounds as in the matrix rules.</summary>
public sealed record FixScope(
    [property: JsonPropertyName("hostCgroupMode")] IReadOnlyList<string>? HostCgroupMode,
    [property: JsonPropertyName("hostRelease")] IReadOnlyList<string>? HostRelease,
    [property: JsonPropertyName("engineAtLeast")] string? EngineAtLeast,
    [property: JsonPropertyName("engineBelow")] string? EngineBelow,
    [property: JsonPropertyName("images")] IReadOnlyList<string>? Images,
    [property: JsonPropertyName("daemons")] IReadOnlyList<string>? Daemons,
    [property: JsonPropertyName("cgroupns")] IReadOnlyList<string>? Cgroupns,
    [property: JsonPropertyName("mount")] IReadOnlyList<string>? Mount,
    [property: JsonPropertyName("privilege")] IReadOnlyList<string>? Privilege);

/// <summary>What a fix changes about a failing cell; parts left out stay as they were.</summary>
public sealed record FixChange(
    [property: JsonPropertyName("cgroupns")] string? Cgroupns,
    [property: JsonPropertyName("mount")] string? Mount,
    [property: JsonPropertyName("privilege")] string? Privilege,
    [property: JsonPropertyName("tmpfs")] string? Tmpfs,
    [property: JsonPropertyName("remedy")] string? Remedy,
    [property: JsonPropertyName("daemon")] string? Daemon,
    [property: JsonPropertyName("image")] string? Image,
    [property: JsonPropertyName("hostCgroupMode")] string? HostCgroupMode);

/// <summary>
/// A fix's claim held against measured results: the failing cells it covers (<see cref="Occurrences"/>), the cells
/// the fix makes of them that booted (<see cref="Proof"/>), those that failed with the same signature all the same
/// (<see cref="Refutations"/>), those that got past it only to fail for another reason (<see cref="OtherObstacles"/>),
/// and those whose engine refused the fix's flags (<see cref="Unavailable"/>: the fix does not exist on that host,
/// which says nothing of whether it works; a claim's scope keeps such hosts out). Fixed cells nobody measured count
/// for nothing.
/// </summary>
public sealed record FixEvidence(
    Signature Signature,
    Fix Fix,
    IReadOnlyList<CellRecord> Occurrences,
    IReadOnlyList<CellRecord> Proof,
    IReadOnlyList<(CellRecord Occurrence, CellRecord Fixed)> Refutations,
    IReadOnlyList<CellRecord> OtherObstacles)
{
    /// <summary>Fixed cells the engine refused to create.</summary>
    public IReadOnlyList<CellRecord> Unavailable { get; init; } = [];

    /// <summary>Proven: at least one cell shows it working where the signature occurs, and none refutes it.</summary>
    public bool Proven => Proof.Count > 0 && Refutations.Count == 0;

    /// <summary>Weighs one fix's claim against every cell of the results.</summary>
    public static FixEvidence Weigh(Signature signature, Fix fix, IReadOnlyList<CellRecord> results)
    {
        if (fix.ProvenBy is not { } claim)
        {
            return new FixEvidence(signature, fix, [], [], [], []);
        }

        var byCell = results
            .GroupBy(r => (r.Cell.Host.Name, r.Cell.Image, Daemon: r.Cell.Daemon.Name, r.Cell.Run))
            .ToDictionary(g => g.Key, g => g.First());
        var occurrences = results
            .Where(r => r.Verdict is { Kind: VerdictKind.Failed } v && v.Signature == signature.Id && r.Host is not null && InScope(claim.Where, r))
            .ToList();
        var proof = new List<CellRecord>();
        var refutations = new List<(CellRecord, CellRecord)>();
        var obstacles = new List<CellRecord>();
        var unavailable = new List<CellRecord>();
        foreach (var occurrence in occurrences)
        {
            if (!byCell.TryGetValue(Apply(claim.Set, occurrence), out var fixedCell) || fixedCell.Verdict.Kind is VerdictKind.NotApplicable or VerdictKind.Skipped or VerdictKind.InfrastructureError)
            {
                continue;
            }

            switch (fixedCell.Verdict.Kind)
            {
                case VerdictKind.Booted:
                    proof.Add(fixedCell);
                    break;
                case VerdictKind.Failed when fixedCell.Verdict.Signature != signature.Id:
                    obstacles.Add(fixedCell);
                    break;
                case VerdictKind.EngineRefused:
                    unavailable.Add(fixedCell);
                    break;
                default:
                    refutations.Add((occurrence, fixedCell));
                    break;
            }
        }

        return new FixEvidence(signature, fix, occurrences, proof.Distinct().ToList(), refutations.DistinctBy(r => r.Item2.Cell.Id).ToList(), obstacles.Distinct().ToList())
        {
            Unavailable = unavailable.Distinct().ToList(),
        };
    }

    /// <summary>The cell a fix makes of a failing one, as a lookup key: host (by name), image, daemon profile, flags.</summary>
    public static (string Host, string Image, string Daemon, RunProfile Run) Apply(FixChange set, CellRecord occurrence)
    {
        var run = occurrence.Cell.Run;
        run = run with
        {
            Cgroupns = set.Cgroupns is { } c ? AxisNames.Parse<CgroupnsMode>(c) : run.Cgroupns,
            CgroupMount = set.Mount is { } m ? AxisNames.Parse<CgroupMount>(m) : run.CgroupMount,
            Privilege = set.Privilege is { } p ? AxisNames.Parse<Privilege>(p) : run.Privilege,
            Tmpfs = set.Tmpfs is { } t ? t == "on" : run.Tmpfs,
            Remedy = set.Remedy is { } r ? AxisNames.Parse<Remedy>(r) : run.Remedy,
        };
        var host = occurrence.Cell.Host;
        var hostName = set.HostCgroupMode is { } mode && host.Release is { } release
            ? HostSpec.Vm(release, AxisNames.Parse<HostCgroupMode>(mode)).Name
            : host.Name;
        return (hostName, set.Image ?? occurrence.Cell.Image, set.Daemon ?? occurrence.Cell.Daemon.Name, run);
    }

    private static bool InScope(FixScope? where, CellRecord record)
    {
        if (where is null)
        {
            return true;
        }

        var host = record.Host!;
        var engine = ApplicabilityRule.EngineVersionOf(host.EngineVersion);
        var run = record.Cell.Run;
        return (where.HostCgroupMode is null || where.HostCgroupMode.Contains(AxisNames.Of(host.CgroupMode)))
               && (where.HostRelease is null || (host.Release is { } release && where.HostRelease.Contains(release)))
               && (where.EngineAtLeast is null || engine >= ParseEngine(where.EngineAtLeast))
               && (where.EngineBelow is null || engine < ParseEngine(where.EngineBelow))
               && (where.Images is null || where.Images.Contains(record.Cell.Image))
               && (where.Daemons is null || where.Daemons.Contains(record.Cell.Daemon.Name))
               && (where.Cgroupns is null || where.Cgroupns.Contains(AxisNames.Of(run.Cgroupns)))
               && (where.Mount is null || where.Mount.Contains(AxisNames.Of(run.CgroupMount)))
               && (where.Privilege is null || where.Privilege.Contains(AxisNames.Of(run.Privilege)));
    }

    internal static Version ParseEngine(string value) => ApplicabilityRule.EngineVersionOf(value);
}
