using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace SystemdMatrix.Engines;

/// <summary>
/// Keeps track of the engines this process started so that they are torn down however the process ends: normal
/// exit, SIGTERM or Ctrl-C. A kill -9 cannot be caught; the next run's <see cref="EngineReaper"/> covers that.
/// </summary>
public static class EngineLifetime
{
    private static readonly ConcurrentDictionary<string, Func<Task>> Live = new(StringComparer.Ordinal);
    private static readonly Lock Gate = new();
    private static List<PosixSignalRegistration>? _registrations;
    private static bool _exitHooked;

    internal static void Register(SandboxPaths paths) => Register(paths.Id, () => EngineTeardown.TeardownAsync(paths));

    /// <summary>Registers anything the harness started (an engine, a VM) with the teardown that removes it.</summary>
    public static void Register(string id, Func<Task> teardown)
    {
        Live[id] = teardown;
        lock (Gate)
        {
            if (!_exitHooked)
            {
                AppDomain.CurrentDomain.ProcessExit += (_, _) => TearDownAll();
                _exitHooked = true;
            }
        }
    }

    public static void Unregister(string id) => Live.TryRemove(id, out _);

    /// <summary>
    /// Makes SIGINT, SIGTERM and SIGHUP tear the engines down before the process ends. For hosts (test runners)
    /// that do not turn signals into cancellation themselves; the CLI cancels and disposes instead.
    /// </summary>
    public static void TearDownOnSignals()
    {
        lock (Gate)
        {
            _registrations ??=
            [
                PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
                PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
                PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal),
            ];
        }
    }

    private static void OnSignal(PosixSignalContext context)
    {
        TearDownAll();
        // Leave context.Cancel false: after cleaning up, the signal ends the process as it normally would.
    }

    private static void TearDownAll()
    {
        foreach (var (id, teardown) in Live.ToList())
        {
            try
            {
                teardown().GetAwaiter().GetResult();
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"systemd-matrix: could not tear down {id}: {ex.Message} (the next run reaps it)");
            }

            Live.TryRemove(id, out _);
        }
    }
}
