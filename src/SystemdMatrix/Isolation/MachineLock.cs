using System.Globalization;
using SystemdMatrix.Processes;

namespace SystemdMatrix.Isolation;

/// <summary>
/// One harness process at a time uses this machine's own cgroup tree (its sandbox engines). Each process keeps its
/// own defined state of that tree and puts back whatever differs from it before every cell, so a second, unrelated
/// run would tear down the first one's cells and be charged with their writes. The lock is an advisory
/// <c>flock</c> held for the rest of the process's life: the kernel drops it when the process ends, however it ends,
/// so a crash never leaves it behind. A process started by the holder (the boot tests' own CLI runs) shares the
/// holder's lock; anyone else waits, saying for whom.
/// </summary>
public sealed class MachineLock(string directory)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _held;

    // Kept for the process's life: closing the descriptor (or letting it be finalised) would drop the lock.
    private Microsoft.Win32.SafeHandles.SafeFileHandle? _lock;

    /// <summary>This machine's lock, beside the engines' own runtime state under <c>/run/systemd-matrix</c>.</summary>
    public static MachineLock ThisMachine { get; } = new("/run/systemd-matrix");

    public string LockFile => Path.Combine(directory, "this-machine.lock");

    private string HolderFile => Path.Combine(directory, "this-machine.holder");

    /// <summary>Takes the lock for this process, waiting (and saying so) while another run holds it.</summary>
    public async Task AcquireAsync(Action<string> log, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_held)
            {
                return;
            }

            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var handle = Posix.OpenForLock(LockFile);
            if (!Posix.TryLockExclusive(handle))
            {
                var holder = Holder();
                if (holder is { } pid && IsAncestor(pid, Environment.ProcessId))
                {
                    // Started by the run that holds it: that run decided to share its machine with us.
                    handle.Dispose();
                    _held = true;
                    return;
                }

                log($"waiting: this machine's cgroup tree is in use by another systemd-matrix run ({Describe(holder)}); it goes on when that run ends");
                await Task.Factory.StartNew(
                        () => Posix.LockExclusive(handle),
                        CancellationToken.None,
                        TaskCreationOptions.LongRunning,
                        TaskScheduler.Default)
                    .WaitAsync(cancellationToken)
                    .ConfigureAwait(false);
            }

            _lock = handle;
            File.WriteAllText(HolderFile, Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            _held = true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The pid recorded by the process that holds the lock, if it is still alive.</summary>
    private int? Holder()
    {
        try
        {
            return int.TryParse(File.ReadAllText(HolderFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Posix.IsAlive(pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Whether <paramref name="ancestor"/> is <paramref name="pid"/> or one of its parents.</summary>
    public static bool IsAncestor(int ancestor, int pid)
    {
        for (var current = pid; current > 1; current = Posix.ParentPid(current) ?? 0)
        {
            if (current == ancestor)
            {
                return true;
            }
        }

        return false;
    }

    private static string Describe(int? pid) =>
        pid is { } p ? $"pid {p}: {string.Join(' ', Posix.CommandLine(p).Take(6))}" : "a process that has not said who it is yet";
}
