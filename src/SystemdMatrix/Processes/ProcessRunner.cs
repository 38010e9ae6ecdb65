using System.Diagnostics;
using System.Text;

namespace SystemdMatrix.Processes;

/// <summary>The outcome of a finished process: exit code and what it printed, interleaved in arrival order.</summary>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>
    /// The last lines of output and of error, for error messages: tools such as <c>docker build</c> put the cause
    /// (apt's complaint) on standard output and only the summary on standard error.
    /// </summary>
    public string Tail(int lines = 15)
    {
        static IEnumerable<string> Last(string text, int n) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(n);
        return string.Join('\n', Last(StandardOutput, lines).Concat(Last(StandardError, lines)));
    }
}

/// <summary>A command that failed; carries the argument list and the output so the message can say why.</summary>
public sealed class ProcessFailedException(string fileName, IReadOnlyList<string> arguments, ProcessResult result)
    : Exception($"`{fileName} {string.Join(' ', arguments)}` exited with {result.ExitCode}:\n{result.Tail()}")
{
    public ProcessResult Result { get; } = result;
}

/// <summary>
/// Runs programs with an argument list (never a shell string), optionally streaming lines to a callback, and kills
/// the whole process tree when cancelled so that nothing outlives the harness.
/// </summary>
public static class ProcessRunner
{
    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IReadOnlyList<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null,
        Action<string>? onOutputLine = null,
        Stream? standardInput = null,
        string? workingDirectory = null,
        CancellationToken cancellationToken = default)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput is not null,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? string.Empty,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                startInfo.Environment[key] = value;
            }
        }

        using var process = new Process { StartInfo = startInfo };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        DataReceivedEventHandler Collect(System.Text.StringBuilder into) => (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (into)
            {
                into.AppendLine(e.Data);
            }

            onOutputLine?.Invoke(e.Data);
        };

        process.OutputDataReceived += Collect(stdout);
        process.ErrorDataReceived += Collect(stderr);

        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"Cannot start `{fileName}`: {ex.Message}", ex);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            if (standardInput is not null)
            {
                await standardInput.CopyToAsync(process.StandardInput.BaseStream, cancellationToken).ConfigureAwait(false);
                process.StandardInput.Close();
            }

            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            KillQuietly(process);
            throw;
        }
        catch (IOException) when (process.HasExited)
        {
            // The process closed its input early (for example it failed at once); its exit code says why.
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }

        return new ProcessResult(process.ExitCode, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs and throws <see cref="ProcessFailedException"/> on a non-zero exit.</summary>
    public static async Task<ProcessResult> RunCheckedAsync(
        string fileName,
        IReadOnlyList<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null,
        Action<string>? onOutputLine = null,
        Stream? standardInput = null,
        string? workingDirectory = null,
        CancellationToken cancellationToken = default)
    {
        var result = await RunAsync(fileName, arguments, environment, onOutputLine, standardInput, workingDirectory, cancellationToken)
            .ConfigureAwait(false);
        return result.Succeeded ? result : throw new ProcessFailedException(fileName, arguments, result);
    }

    /// <summary>
    /// Starts a long-lived program (dockerd, qemu, socat) in a session of its own, so that a terminal's Ctrl-C reaches
    /// the harness, which stops it in order, rather than the program directly. Its output is appended to a log file;
    /// <paramref name="prefix"/> runs before it (for example <c>ip netns exec NAME</c>). Arguments pass through
    /// <c>"$@"</c>, never through a shell string.
    /// </summary>
    public static Process StartDetached(IReadOnlyList<string> prefix, string program, IReadOnlyList<string> arguments, string logFile)
    {
        var startInfo = new ProcessStartInfo("setsid") { UseShellExecute = false };
        foreach (var arg in (string[])[.. prefix, "sh", "-c", "exec \"$0\" \"$@\" >>\"$SMX_LOG\" 2>&1", program, .. arguments])
        {
            startInfo.ArgumentList.Add(arg);
        }

        startInfo.Environment["SMX_LOG"] = logFile;
        return Process.Start(startInfo) ?? throw new InvalidOperationException($"could not start {program}");
    }

    /// <summary>Finds an executable on PATH (or the usual sbin folders, which a non-login root shell may lack).</summary>
    public static string? FindExecutable(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        var dirs = path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]);
        foreach (var dir in dirs)
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static void KillQuietly(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
