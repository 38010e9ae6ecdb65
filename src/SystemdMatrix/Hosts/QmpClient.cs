using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SystemdMatrix.Hosts;

/// <summary>Just enough of the QEMU Machine Protocol to ask a VM to power down or quit, and to save its state.</summary>
public static class QmpClient
{
    /// <summary>Sends one command without arguments; false when the VM could not be reached (it may be gone already).</summary>
    public static async Task<bool> SendAsync(string socketPath, string command, CancellationToken cancellationToken)
    {
        try
        {
            await using var session = await QmpSession.ConnectAsync(socketPath, cancellationToken).ConfigureAwait(false);
            await session.ExecuteAsync(command, null, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or QmpException)
        {
            return false;
        }
    }
}

/// <summary>A QMP command the VM answered with an error.</summary>
public sealed class QmpException(string message) : Exception(message);

/// <summary>
/// One QMP conversation: capabilities negotiated, then commands one at a time, each answered by a <c>return</c> or an
/// <c>error</c>; the asynchronous events qemu sends in between (STOP, RESUME, MIGRATION) are skipped.
/// </summary>
public sealed class QmpSession : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly StreamReader _reader;

    private QmpSession(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        _reader = new StreamReader(_stream, Encoding.UTF8);
    }

    public static async Task<QmpSession> ConnectAsync(string socketPath, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var session = new QmpSession(socket);
        try
        {
            await session._reader.ReadLineAsync(cancellationToken).ConfigureAwait(false); // greeting
            await session.ExecuteAsync("qmp_capabilities", null, cancellationToken).ConfigureAwait(false);
            return session;
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Runs a command and returns its <c>return</c> value; an <c>error</c> answer throws <see cref="QmpException"/>.</summary>
    public async Task<JsonNode?> ExecuteAsync(string command, JsonObject? arguments, CancellationToken cancellationToken)
    {
        var request = new JsonObject { ["execute"] = command };
        if (arguments is not null)
        {
            request["arguments"] = arguments;
        }

        await _stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToJsonString() + "\n"), cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var line = await _reader.ReadLineAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new IOException($"qemu closed its QMP socket while answering {command}");
            JsonNode? answer;
            try
            {
                answer = JsonNode.Parse(line);
            }
            catch (JsonException)
            {
                continue;
            }

            if (answer is not JsonObject reply || reply.ContainsKey("event"))
            {
                continue;
            }

            if (reply["error"] is JsonObject error)
            {
                throw new QmpException($"qemu refused {command}: {error["desc"]?.GetValue<string>() ?? error.ToJsonString()}");
            }

            return reply["return"];
        }
    }

    public async ValueTask DisposeAsync()
    {
        _reader.Dispose();
        await _stream.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
    }
}
