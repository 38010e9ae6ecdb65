using System.Diagnostics;
using System.Text;
using SystemdMatrix.Engines;
using SystemdMatrix.Processes;

namespace SystemdMatrix.Isolation;

/// <summary>
/// A shell kept running in a helper container, fed one script at a time over its attached standard input (one
/// <c>docker run -i</c> for the whole session). Why not <c>docker exec</c> per script: under emulation every exec
/// starts runc in the guest, which costs about 0.8 s of guest CPU before the script runs (measured on a bookworm
/// VM host under TCG: <c>docker exec … true</c> 0.73 to 1.02 s), and a cell reads the host's tree three times.
/// Scripts run one after another; a script that is cancelled halfway leaves the session unusable, and later calls say so.
/// </summary>
public sealed class AttachedShell : IAsyncDisposable
{
    private const string DoneMarker = "@@systemd-matrix-done@@";

    /// <summary>
    /// The loop: a line with the script's length in bytes, then the script; <c>dd</c> reads exactly that many bytes
    /// (a <c>read</c> loop would make a syscall per byte), the script runs with no input, and a marker line carries its exit code.
    /// </summary>
    private const string Loop = "while IFS= read -r n; do dd iflag=fullblock bs=\"$n\" count=1 of=/tmp/systemd-matrix-request 2>/dev/null || exit 1; "
        + "sh /tmp/systemd-matrix-request </dev/null; printf '\\n%s %s\\n' '" + DoneMarker + "' \"$?\"; done";

    private readonly Process _process;
    private readonly DockerCli _cli;
    private readonly string _name;
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly StringBuilder _stderr = new();
    private string? _broken;

    private AttachedShell(Process process, DockerCli cli, string name)
    {
        _process = process;
        _cli = cli;
        _name = name;
    }

    /// <summary>The container's name (labelled like every helper of the harness).</summary>
    public string Name => _name;

    /// <summary>
    /// Starts the helper container with <paramref name="runArguments"/> (everything between <c>docker run</c> and the
    /// image) and waits until its shell answers.
    /// </summary>
    public static async Task<AttachedShell> StartAsync(DockerCli cli, IReadOnlyList<string> runArguments, string image, CancellationToken cancellationToken)
    {
        var name = $"systemd-matrix-agent-{Guid.NewGuid():N}"[..32];
        var startInfo = new ProcessStartInfo(DockerCli.Executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["run", "-i", "--rm", "--name", name, .. runArguments, "--entrypoint", "/bin/sh", image, "-c", Loop])
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in cli.Endpoint.CliEnvironment)
        {
            startInfo.Environment[key] = value;
        }

        var process = Process.Start(startInfo) ?? throw new EngineStartException("could not start the docker CLI for the cgroup agent");
        var shell = new AttachedShell(process, cli, name);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (shell._stderr)
                {
                    shell._stderr.AppendLine(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();
        try
        {
            var first = await shell.RunAsync("true", cancellationToken).ConfigureAwait(false);
            if (first.ExitCode != 0)
            {
                throw new EngineStartException($"the cgroup agent's shell answered its first script with {first.ExitCode}: {first.StandardError}");
            }

            return shell;
        }
        catch
        {
            await shell.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Runs one script in the shell; its standard output, standard error and exit code.</summary>
    public async Task<ProcessResult> RunAsync(string script, CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_broken is { } why)
            {
                throw new IOException($"the cgroup agent {_name} is not usable: {why}");
            }

            lock (_stderr)
            {
                _stderr.Clear();
            }

            var body = Encoding.UTF8.GetBytes(script.ReplaceLineEndings("\n") + "\n");
            var output = new StringBuilder();
            try
            {
                var stdin = _process.StandardInput;
                await stdin.WriteAsync($"{body.Length}\n".AsMemory(), cancellationToken).ConfigureAwait(false);
                await stdin.FlushAsync(cancellationToken).ConfigureAwait(false);
                await stdin.BaseStream.WriteAsync(body, cancellationToken).ConfigureAwait(false);
                await stdin.BaseStream.FlushAsync(cancellationToken).ConfigureAwait(false);
                while (true)
                {
                    var line = await _process.StandardOutput.ReadLineAsync(cancellationToken).ConfigureAwait(false);
                    if (line is null)
                    {
                        throw new IOException($"the cgroup agent {_name} ended: {Stderr()}");
                    }

                    if (line.StartsWith(DoneMarker + " ", StringComparison.Ordinal))
                    {
                        // The marker's printf starts with a newline, so that output without one of its own ends cleanly.
                        var text = output.ToString();
                        text = text.EndsWith("\n\n", StringComparison.Ordinal) ? text[..^1] : text;
                        var exit = int.Parse(line[(DoneMarker.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
                        return new ProcessResult(exit, text, Stderr());
                    }

                    output.Append(line).Append('\n');
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or FormatException)
            {
                // Halfway through a script the next line read would be the old script's: nothing more goes through.
                _broken = ex is OperationCanceledException ? "a script was cancelled halfway" : ex.Message;
                throw;
            }
        }
        finally
        {
            _turn.Release();
        }
    }

    private string Stderr()
    {
        lock (_stderr)
        {
            return _stderr.ToString().Trim();
        }
    }

    /// <summary>Ends the shell (its input closes, the container exits and removes itself); removes it by force if it does not.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // Already gone.
        }

        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }

        // --rm removes it once it exits; by force when the CLI was killed or the engine lost the attach.
        await _cli.RunAsync(["rm", "-f", _name]).ConfigureAwait(false);
        _process.Dispose();
        _turn.Dispose();
    }
}
