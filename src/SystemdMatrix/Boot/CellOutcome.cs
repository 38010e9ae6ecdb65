using SystemdMatrix.Model;

namespace SystemdMatrix.Boot;

/// <summary>Everything the harness learned from booting one cell.</summary>
public sealed record CellOutcome(
    Cell Cell,
    string ImageTag,
    HostIdentity Host,
    Verdict Verdict,
    string NormalisedLog,
    TimeSpan Duration,
    IReadOnlyList<string> DockerRunArguments,
    string Equivalent,
    int Attempts)
{
    /// <summary>Seconds per phase of the last attempt (see <see cref="PhaseClock"/>), and of the session around it.</summary>
    public IReadOnlyDictionary<string, double> Phases { get; init; } = new Dictionary<string, double>();
}
