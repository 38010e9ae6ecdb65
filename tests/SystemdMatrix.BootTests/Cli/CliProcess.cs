using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace SystemdMatrix.BootTests.Cli;

/// <summary>The systemd-matrix CLI (built beside the tests) run as a child process, its output collected.</summary>
internal sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private CliProcess(Process process)
    {
        _process = process;
    }

    public int Pid => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static CliProcess Start(params string[] args) => Start(new Dictionary<string, string>(), args);

    /// <summary>The CLI with these environment variables set on top of the test's own.</summary>
    public static CliProcess Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var cli = Path.Combine(TestContext.CurrentContext.TestDirectory, "systemd-matrix.dll");
        // Through env --default-signal: a test run started in the background by a shell without job control inherits
        // SIGINT ignored, and the runtime keeps an inherited ignore, so a Ctrl-C test would send a signal nobody gets.
        // The CLI is exec'd in place: its pid is this process's.
        var info = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])["--default-signal=INT,QUIT", "dotnet", cli, "--root", BootEnvironment.Layout.Root, .. args])
        {
            info.ArgumentList.Add(arg);
        }

        // Plain, wide output: the test reads progress lines, not a terminal rendering.
        info.Environment["COLUMNS"] = "400";
        info.Environment["NO_COLOR"] = "1";
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var cliProcess = new CliProcess(Process.Start(info)!);
        cliProcess._process.OutputDataReceived += (_, e) => cliProcess.Append(e.Data);
        cliProcess._process.ErrorDataReceived += (_, e) => cliProcess.Append(e.Data);
        cliProcess._process.BeginOutputReadLine();
        cliProcess._process.BeginErrorReadLine();
        return cliProcess;
    }

    public async Task<string> WaitForAsync(Regex pattern, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (pattern.Match(Output) is { Success: true } match)
            {
                return match.Groups["value"].Value;
            }

            if (_process.HasExited)
            {
                Assert.Fail($"the CLI exited ({_process.ExitCode}) before printing /{pattern}/:\n{Output}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await _process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // A process that does not end is a hang to diagnose, not a slow machine: say what it printed and what still runs.
            Assert.Fail($"systemd-matrix (pid {_process.Id}) had not exited after {timeout.TotalSeconds:0} s; its processes: {ProcessTree()}\noutput so far:\n{Output}");
        }

        return _process.ExitCode;
    }

    private string ProcessTree()
    {
        try
        {
            var ps = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("ps", "-e --forest -o pid,ppid,stat,etime,args") { RedirectStandardOutput = true })!;
            var text = ps.StandardOutput.ReadToEnd();
            ps.WaitForExit();
            return "\n" + text;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return e.Message;
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
