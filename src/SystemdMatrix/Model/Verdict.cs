using System.Text.Json.Serialization;

namespace SystemdMatrix.Model;

public enum VerdictKind
{
    /// <summary>systemd reached multi-user.target and answers running or degraded.</summary>
    Booted,

    /// <summary>The container exited (or hung) before reaching multi-user.target.</summary>
    Failed,

    /// <summary>The engine rejected the configuration before systemd ran.</summary>
    EngineRefused,

    /// <summary>The host cannot express this cell.</summary>
    NotApplicable,

    /// <summary>The host could run it, but not without the user's consent (it would write this machine's cgroup tree).</summary>
    Skipped,

    /// <summary>The harness or the engine broke; never a statement about systemd.</summary>
    InfrastructureError,
}

/// <summary>
/// What happened to one cell. One record with optional parts rather than a class hierarchy so that it serialises
/// to the same JSON shape for every kind.
/// </summary>
public sealed record Verdict
{
    public required VerdictKind Kind { get; init; }

    /// <summary>For booted cells: <c>running</c> or <c>degraded</c>.</summary>
    public string? SystemState { get; init; }

    /// <summary>For booted cells: units <c>systemctl --failed</c> listed.</summary>
    public IReadOnlyList<string> FailedUnits { get; init; } = [];

    /// <summary>For failed cells: the failure signature id from the catalogue (<c>unknown</c> when none matched).</summary>
    public string? Signature { get; init; }

    public long? ExitCode { get; init; }

    /// <summary>The log lines that decided the verdict, normalised.</summary>
    public IReadOnlyList<string> DecisiveLines { get; init; } = [];

    /// <summary>The engine's message, the not-applicable reason or the infrastructure error.</summary>
    public string? Message { get; init; }

    /// <summary>
    /// What the harness saw besides the console: how /sys/fs/cgroup is mounted and owned inside a remapped
    /// container, which cgroup directories a remedy handed over.
    /// </summary>
    public IReadOnlyList<string> Observations { get; init; } = [];

    /// <summary>
    /// What the container changed in the host's cgroup tree outside its own subtree (directories made or removed,
    /// controllers switched), one line each: empty for a container that kept to itself. For booted cells, seen while
    /// it ran; for the others, what was left when it was gone.
    /// </summary>
    public IReadOnlyList<string> HostWrites { get; init; } = [];

    /// <summary>
    /// Where the same cell ends otherwise on a host whose engine has never run a container (the state before the
    /// defined one): that verdict in short (<c>failed: cgroup-missing</c>); null when it ends the same or was not tried.
    /// </summary>
    public string? OnUnusedHost { get; init; }

    public static Verdict Booted(string systemState, IReadOnlyList<string> failedUnits, IReadOnlyList<string> decisiveLines) =>
        new() { Kind = VerdictKind.Booted, SystemState = systemState, FailedUnits = failedUnits, DecisiveLines = decisiveLines };

    public static Verdict Failed(string signature, long? exitCode, IReadOnlyList<string> decisiveLines) =>
        new() { Kind = VerdictKind.Failed, Signature = signature, ExitCode = exitCode, DecisiveLines = decisiveLines };

    public static Verdict EngineRefused(string message) => new() { Kind = VerdictKind.EngineRefused, Message = message };

    public static Verdict NotApplicable(string reason) => new() { Kind = VerdictKind.NotApplicable, Message = reason };

    public static Verdict Skipped(string reason) => new() { Kind = VerdictKind.Skipped, Message = reason };

    public static Verdict InfrastructureError(string message) => new() { Kind = VerdictKind.InfrastructureError, Message = message };

    /// <summary>The one line a table shows: the decisive log line, the engine message, or the reason.</summary>
    [JsonIgnore]
    public string Summary => Kind switch
    {
        VerdictKind.Booted => (DecisiveLines.Count > 0 ? DecisiveLines[0] : SystemState ?? string.Empty)
            + (FailedUnits.Count == 0 ? string.Empty : $"; failed units: {string.Join(", ", FailedUnits)}"),
        VerdictKind.Failed => DecisiveLines.Count > 0 ? DecisiveLines[0] : $"exit {ExitCode}",
        _ => Message ?? string.Empty,
    };

    /// <summary>The short label a table shows in the verdict column.</summary>
    [JsonIgnore]
    public string Label => Kind switch
    {
        VerdictKind.Booted => $"booted ({SystemState}){(HostWrites.Count > 0 ? ", wrote the host's cgroup tree" : string.Empty)}",
        VerdictKind.Failed => $"failed: {Signature}",
        _ => AxisNames.Of(Kind),
    };
}
