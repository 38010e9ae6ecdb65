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
    public static long? StartTicks(int pid) => StatField(pid, 22);

    /// <summary>The parent of a process (field 4 of <c>/proc/PID/stat</c>), or null when it is gone.</summary>
    public static int? ParentPid(int pid) => StatField(pid, 4) is { } parent ? (int)parent : null;

    // Field N (1-based, as proc(5) counts) of /proc/PID/stat, or null when the process is gone.
    private static long? StatField(int pid, int field)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) may contain spaces and parentheses; fields after the last ')' are plain.
            var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(rest[field - 3], CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
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

    /// <summary>
    /// Opens (creating it owner-only) a file to <c>flock</c>. Not through <see cref="FileStream"/>: .NET takes a shared
    /// <c>flock</c> of its own on every file it opens, which another process's exclusive lock refuses.
    /// </summary>
    public static Microsoft.Win32.SafeHandles.SafeFileHandle OpenForLock(string path)
    {
        var fd = NativeOpen(path, OpenReadWrite | OpenCreate | OpenCloseOnExec, 0x180);
        return fd >= 0
            ? new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true)
            : throw new IOException($"cannot open {path}: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Takes an exclusive <c>flock</c> on an open file without waiting; false when another process holds it.</summary>
    public static bool TryLockExclusive(Microsoft.Win32.SafeHandles.SafeFileHandle file) =>
        NativeFlock(file.DangerousGetHandle().ToInt32(), FlockExclusive | FlockNonBlocking) == 0;

    /// <summary>Takes an exclusive <c>flock</c> on an open file, waiting as long as it takes.</summary>
    public static void LockExclusive(Microsoft.Win32.SafeHandles.SafeFileHandle file)
    {
        while (NativeFlock(file.DangerousGetHandle().ToInt32(), FlockExclusive) != 0)
        {
            if (Marshal.GetLastPInvokeError() != Interrupted)
            {
                throw new IOException($"flock failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }
    }

    private const int FlockExclusive = 2;
    private const int FlockNonBlocking = 4;
    private const int Interrupted = 4; // EINTR
    private const int OpenReadWrite = 2;
    private const int OpenCreate = 0x40;
    private const int OpenCloseOnExec = 0x80000;

    [DllImport("libc", EntryPoint = "open", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
#pragma warning disable SYSLIB1054 // as below
    private static extern int NativeOpen(string path, int flags, int mode);
#pragma warning restore SYSLIB1054

    [DllImport("libc", EntryPoint = "flock", SetLastError = true)]
#pragma warning disable SYSLIB1054 // as below
    private static extern int NativeFlock(int fd, int operation);
#pragma warning restore SYSLIB1054

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe code generation; one int call does not warrant it.
    private static extern int NativeKill(int pid, int signal);
#pragma warning restore SYSLIB1054
}
