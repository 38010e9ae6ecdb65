namespace SystemdMatrix.Local;

/// <summary>A local engine could not be used: unreachable, not speaking an API version the harness speaks, not a unix socket.</summary>
public sealed class LocalEngineException(string message) : Exception(message);

/// <summary>
/// Where the user's own engine is: <c>--engine</c>, else <c>DOCKER_HOST</c>, else Docker's default socket; and which
/// of the three it came from, so an unreachable engine's message names what to change.
/// </summary>
public sealed record LocalEngineAddress(string SocketPath, string From)
{
    public const string DefaultSocket = "/var/run/docker.sock";

    /// <summary>What to tell someone whose engine is not where the harness looked.</summary>
    public const string HowToPointElsewhere =
        "point DOCKER_HOST (or --engine) at another socket, e.g. DOCKER_HOST=unix:///run/user/1000/docker.sock; `systemd-matrix hosts up` boots a cgroup v2 host and prints one";

    public Uri Socket => new($"unix://{SocketPath}");

    public override string ToString() => $"{Socket} ({From})";

    public static LocalEngineAddress Resolve(string? engineOption) =>
        Resolve(engineOption, Environment.GetEnvironmentVariable("DOCKER_HOST"));

    public static LocalEngineAddress Resolve(string? engineOption, string? dockerHost)
    {
        if (!string.IsNullOrWhiteSpace(engineOption))
        {
            return Parse(engineOption.Trim(), "--engine");
        }

        return string.IsNullOrWhiteSpace(dockerHost)
            ? new LocalEngineAddress(DefaultSocket, "Docker's default socket; DOCKER_HOST is not set")
            : Parse(dockerHost.Trim(), "DOCKER_HOST");
    }

    private static LocalEngineAddress Parse(string value, string from)
    {
        if (value.StartsWith('/'))
        {
            return new LocalEngineAddress(value, from);
        }

        if (value.StartsWith("unix://", StringComparison.Ordinal) && value.Length > "unix://".Length && value["unix://".Length] == '/')
        {
            return new LocalEngineAddress(value["unix://".Length..], from);
        }

        var scheme = value.Contains("://", StringComparison.Ordinal) ? value[..value.IndexOf("://", StringComparison.Ordinal)] : null;
        throw new LocalEngineException(scheme is null
            ? $"{from}={value}: not an engine address; give unix:///path/to/docker.sock"
            : $"{from}={value}: systemd-matrix talks to engines over unix sockets only (an engine API on {scheme}:// is one the harness will not use); forward it to a local socket, e.g. ssh -L /tmp/docker.sock:/var/run/docker.sock HOST, and give unix:///tmp/docker.sock");
    }
}
