namespace SystemdMatrix.Model;

/// <summary>
/// One point of the matrix: an image booted with a run profile on an engine with a daemon profile, on a host.
/// <see cref="Aliases"/> name the cell where a report quotes it (for example <c>seed#1</c>).
/// </summary>
public sealed record Cell(string Image, DaemonProfile Daemon, RunProfile Run, IReadOnlyList<string> Aliases)
{
    /// <summary>The host the cell runs on; the sandbox engine unless the matrix names VM hosts.</summary>
    public HostSpec Host { get; init; } = HostSpec.Sandbox;

    public string Id => Host == HostSpec.Sandbox ? $"{Image}/{Daemon.Name}/{Run.Key}" : $"{Host.Name}/{Image}/{Daemon.Name}/{Run.Key}";

    public Cell WithAliases(IReadOnlyList<string> aliases) => this with { Aliases = aliases };

    // Records compare lists by reference; a cell is its configuration, so equality ignores the alias list.
    public bool Equals(Cell? other) =>
        other is not null && Image == other.Image && Daemon == other.Daemon && Run == other.Run && Host == other.Host;

    public override int GetHashCode() => HashCode.Combine(Image, Daemon, Run, Host);
}
