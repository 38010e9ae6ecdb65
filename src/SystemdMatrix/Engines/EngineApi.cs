using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SystemdMatrix.Engines;

/// <summary>What <c>GET /version</c> says.</summary>
public sealed record EngineVersion(
    [property: JsonPropertyName("Version")] string Version,
    [property: JsonPropertyName("ApiVersion")] string ApiVersion,
    [property: JsonPropertyName("MinAPIVersion")] string? MinApiVersion,
    [property: JsonPropertyName("KernelVersion")] string? KernelVersion);

/// <summary>The parts of <c>GET /info</c> the harness reads.</summary>
public sealed record EngineInfo(
    [property: JsonPropertyName("ServerVersion")] string ServerVersion,
    [property: JsonPropertyName("CgroupDriver")] string? CgroupDriver,
    [property: JsonPropertyName("CgroupVersion")] string? CgroupVersion,
    [property: JsonPropertyName("SecurityOptions")] IReadOnlyList<string>? SecurityOptions,
    [property: JsonPropertyName("KernelVersion")] string? KernelVersion,
    [property: JsonPropertyName("OperatingSystem")] string? OperatingSystem,
    [property: JsonPropertyName("DockerRootDir")] string? DockerRootDir,
    [property: JsonPropertyName("Labels")] IReadOnlyList<string>? Labels)
{
    public bool UsernsRemap => SecurityOptions?.Any(o => o.Contains("name=userns", StringComparison.Ordinal)) == true;
}

/// <summary>
/// The unversioned corner of the Engine API (<c>/_ping</c>, <c>/version</c>, <c>/info</c>) over a unix socket. It is
/// what the harness asks before it knows which API version the engine speaks; everything after that goes through a
/// client pinned to the negotiated version.
/// </summary>
public sealed class EngineApi : IDisposable
{
    /// <summary>The newest API version the harness's client stack (Testcontainers 4.16's default) is written against.</summary>
    public static readonly Version ClientMaxApiVersion = new(1, 44);

    private readonly HttpClient _http;

    public EngineApi(string socketPath, TimeSpan? timeout = null)
    {
        SocketPath = socketPath;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        _http = new HttpClient(handler) { BaseAddress = new Uri("http://engine/"), Timeout = timeout ?? TimeSpan.FromSeconds(30) };
    }

    public string SocketPath { get; }

    public async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync("_ping", cancellationToken).ConfigureAwait(false);
        return response.IsSuccessStatusCode;
    }

    public Task<EngineVersion> VersionAsync(CancellationToken cancellationToken) => GetAsync<EngineVersion>("version", cancellationToken);

    public Task<EngineInfo> InfoAsync(CancellationToken cancellationToken) => GetAsync<EngineInfo>("info", cancellationToken);

    /// <summary>The API version to speak to an engine: the newer of what both sides know is the older of their maxima.</summary>
    public static Version Negotiate(string serverApiVersion)
    {
        var server = Version.Parse(serverApiVersion);
        return server < ClientMaxApiVersion ? server : ClientMaxApiVersion;
    }

    public void Dispose() => _http.Dispose();

    private async Task<T> GetAsync<T>(string path, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(path, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException(
                string.Create(CultureInfo.InvariantCulture, $"GET /{path} on {SocketPath} answered {(int)response.StatusCode}: {body}"));
        }

        return JsonSerializer.Deserialize<T>(body)
            ?? throw new InvalidOperationException($"GET /{path} on {SocketPath} answered an empty body.");
    }
}
