using System.Globalization;
using System.Runtime.InteropServices;

namespace SystemdMatrix.Processes;

/// <summary>The few POSIX calls .NET does not wrap: signals by number and process start times.</summary>
public static partial class Posix
{
    public const int SigTerm = 15;
    public const int SigKill = 9;

    public static bool IsRoot => Environment.IsPrivilegedProcess;

    /// <summary>Sends a signal; false when the process does not exist (or is not ours to signal).</summary>
    public static bool Signal(int pid, int signal) => NativeKill(pid, signal) == 0;

    public static bool IsAlive(int pid) => pid > 0 && Directory.Exists($"/proc/{pid}");

    /// <summary>
    /// The process's start time in clock ticks since boot (field 22 of <c>/proc/PID/stat</c>). Together with the pid
    /// it identifies a process across pid reuse, which is how the reaper tells a live owner from a recycled number.
    /// </summary>
    public static long? StartTicks(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) may contain spaces and parentheses; fields after the last ')' are plain.
            var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(rest[19], CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>The command line of a process as its argument list; empty when it is gone.</summary>
    public static IReadOnlyList<string> CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    public static IEnumerable<int> AllPids()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                yield return pid;
            }
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe code generation; one int call does not warrant it.
    private static extern int NativeKill(int pid, int signal);
#pragma warning restore SYSLIB1054
}
