using System.Net.Sockets;

namespace SystemdMatrix.Images;

/// <summary>
/// Answers "can this machine reach a container registry?" once per process, by opening (and closing) a TCP
/// connection to Docker Hub's registry; nothing is fetched. <c>SYSTEMD_MATRIX_REGISTRY=off|on</c> overrides it.
/// </summary>
public static class RegistryProbe
{
    public const string Host = "registry-1.docker.io";
    private static readonly Lazy<Task<(bool Reachable, string Reason)>> Probe = new(ProbeAsync);

    public static Task<(bool Reachable, string Reason)> IsReachableAsync() => Probe.Value;

    private static async Task<(bool Reachable, string Reason)> ProbeAsync()
    {
        switch (Settings.HarnessSettings.Current.Registry)
        {
            case false:
                return (false, "SYSTEMD_MATRIX_REGISTRY=off");
            case true:
                return (true, "SYSTEMD_MATRIX_REGISTRY=on");
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(Host, 443, timeout.Token).ConfigureAwait(false);
            return (true, $"{Host}:443 answered");
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return (false, $"{Host}:443 is unreachable ({(ex is OperationCanceledException ? "timed out" : ex.Message)})");
        }
    }
}
