using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace SystemdMatrix.Engines;

/// <summary>
/// Keeps track of the engines this process started so that they are torn down however the process ends: normal
/// exit, SIGTERM or Ctrl-C. A kill -9 cannot be caught; the next run's <see cref="EngineReaper"/> covers that.
/// </summary>
public static class EngineLifetime
{
    private static readonly ConcurrentDictionary<string, SandboxPaths> Live = new(StringComparer.Ordinal);
    private static readonly Lock Gate = new();
    private static List<PosixSignalRegistration>? _registrations;
    private static bool _exitHooked;

    internal static void Register(SandboxPaths paths)
    {
        Live[paths.Id] = paths;
        lock (Gate)
        {
            if (!_exitHooked)
            {
                AppDomain.CurrentDomain.ProcessExit += (_, _) => TearDownAll();
                _exitHooked = true;
            }
        }
    }

    internal static void Unregister(string id) => Live.TryRemove(id, out _);

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
        foreach (var paths in Live.Values.ToList())
        {
            try
            {
                EngineTeardown.TeardownAsync(paths).GetAwaiter().GetResult();
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"systemd-matrix: could not tear down engine {paths.Id}: {ex.Message} (the next run reaps it)");
            }

            Live.TryRemove(paths.Id, out _);
        }
    }
}
