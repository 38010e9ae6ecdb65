using System.Net.Sockets;
using System.Text;

namespace SystemdMatrix.Hosts;

/// <summary>Just enough of the QEMU Machine Protocol to ask a VM to power down, or to quit.</summary>
public static class QmpClient
{
    public static async Task<bool> SendAsync(string socketPath, string command, CancellationToken cancellationToken)
    {
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false); // greeting
            foreach (var line in new[] { "{\"execute\":\"qmp_capabilities\"}", $"{{\"execute\":\"{command}\"}}" })
            {
                await stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), cancellationToken).ConfigureAwait(false);
                await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            }

            return true;
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }
}
