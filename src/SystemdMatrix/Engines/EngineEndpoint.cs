using Docker.DotNet;
using Docker.DotNet.Handler.Abstractions;
using DotNet.Testcontainers.Configurations;

namespace SystemdMatrix.Engines;

/// <summary>
/// How to reach one engine: its socket and the API version negotiated with it. Implements Testcontainers' endpoint
/// configuration so each engine gets a client pinned to its own version; Testcontainers' process-wide default
/// (1.44, or <c>DOCKER_API_VERSION</c>) cannot serve two engine generations at once.
/// </summary>
public sealed record EngineEndpoint(Uri SocketUri, Version ApiVersion) : IDockerEndpointAuthenticationConfiguration
{
    public Uri Endpoint => SocketUri;

    public IAuthProvider AuthProvider => null!;

    Version IDockerEndpointAuthenticationConfiguration.Version => ApiVersion;

    public string SocketPath => SocketUri.AbsolutePath;

    public DockerClientBuilder GetDockerClientBuilder(Guid sessionId = default) =>
        new DockerClientBuilder().WithEndpoint(SocketUri).WithApiVersion(ApiVersion);

    public DockerClient CreateClient() => GetDockerClientBuilder().Build();

    /// <summary>The environment a <c>docker</c> CLI process needs to talk to this engine (and only this one).</summary>
    public IReadOnlyDictionary<string, string> CliEnvironment => new Dictionary<string, string>
    {
        ["DOCKER_HOST"] = SocketUri.ToString(),
        ["DOCKER_API_VERSION"] = ApiVersion.ToString(2),
        // The classic builder: the sandbox has no BuildKit component, and its output is plain text we can show.
        ["DOCKER_BUILDKIT"] = "0",
        ["DOCKER_CLI_HINTS"] = "false",
    };
}
