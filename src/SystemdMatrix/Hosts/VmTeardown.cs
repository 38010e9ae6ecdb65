using System.Globalization;
using SystemdMatrix.Engines;
using SystemdMatrix.Processes;

namespace SystemdMatrix.Hosts;

/// <summary>
/// Stops a VM and removes everything it had: a clean ACPI power-down first (when asked for and possible), then
/// qemu and the socat bridge, the network namespace, the copy-on-write disk and the folders.
/// </summary>
public static class VmTeardown
{
    public static async Task<IReadOnlyList<string>> TeardownAsync(VmPaths paths, bool graceful, CancellationToken cancellationToken = default)
    {
        var done = new List<string>();
        var qemu = ReadPid(paths.QemuPid);
        if (qemu is { } pid && Posix.IsAlive(pid))
        {
            if (graceful && await QmpClient.SendAsync(paths.QmpSocket, "system_powerdown", cancellationToken).ConfigureAwait(false)
                && await EngineTeardown.WaitForExitAsync(pid, TimeSpan.FromSeconds(40), cancellationToken).ConfigureAwait(false))
            {
                done.Add("powered down");
            }
            else
            {
                await QmpClient.SendAsync(paths.QmpSocket, "quit", cancellationToken).ConfigureAwait(false);
                if (!await EngineTeardown.WaitForExitAsync(pid, TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false))
                {
                    Posix.Signal(pid, Posix.SigKill);
                }

                done.Add($"qemu {pid.ToString(CultureInfo.InvariantCulture)} stopped");
            }
        }

        foreach (var straggler in Posix.AllPids().Where(p => p != Environment.ProcessId && IsOurs(p, paths)).ToList())
        {
            Posix.Signal(straggler, Posix.SigKill);
            done.Add($"process {straggler.ToString(CultureInfo.InvariantCulture)} ({Posix.CommandLine(straggler).FirstOrDefault()})");
        }

        var namespaces = await ProcessRunner.RunAsync("ip", ["netns", "list"], cancellationToken: cancellationToken).ConfigureAwait(false);
        if (namespaces.StandardOutput.Split('\n').Any(l => l.Split(' ')[0] == paths.Namespace))
        {
            await ProcessRunner.RunAsync("ip", ["netns", "delete", paths.Namespace], cancellationToken: cancellationToken).ConfigureAwait(false);
            done.Add($"network namespace {paths.Namespace}");
        }

        foreach (var dir in new[] { paths.DataDirectory, paths.StateDirectory })
        {
            if (Directory.Exists(dir))
            {
                EngineTeardown.DeleteTree(dir);
                done.Add($"folder {dir}");
            }
        }

        return done;
    }

    /// <summary>qemu, socat and their shell wrappers all name the VM's folders on their command lines.</summary>
    public static bool IsOurs(int pid, VmPaths paths) =>
        Posix.CommandLine(pid).Any(arg => arg.Contains(paths.StateDirectory, StringComparison.Ordinal) || arg.Contains(paths.DataDirectory, StringComparison.Ordinal));

    internal static int? ReadPid(string file)
    {
        try
        {
            return int.TryParse(File.ReadAllText(file).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
