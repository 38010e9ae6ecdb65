using Spectre.Console;
using SystemdMatrix.Reporting;
using SystemdMatrix.Runs;

namespace SystemdMatrix.Cli;

/// <summary>
/// On a terminal, a run shows a live display: a bar per host and one for the whole run with the time left at the
/// measured rate. Elsewhere (CI logs, pipes) the run's plain progress line every minute is all there is.
/// </summary>
internal static class LiveProgress
{
    public static bool Interactive => AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected;

    public static async Task<CompatibilityReport> RunAsync(MatrixRunOptions options, Func<MatrixRunOptions, Task<CompatibilityReport>> run)
    {
        if (!Interactive)
        {
            return await run(options);
        }

        RunProgress? watched = null;
        var running = run(options with { WatchProgress = p => watched = p });
        await AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var bars = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                ProgressTask? all = null;
                while (!running.IsCompleted)
                {
                    if (watched is { } progress)
                    {
                        all ??= context.AddTask("all cells", maxValue: progress.Total);
                        foreach (var (host, done, total) in progress.Hosts)
                        {
                            if (!bars.TryGetValue(host, out var bar))
                            {
                                bar = bars[host] = context.AddTask(host, maxValue: Math.Max(1, total));
                            }

                            bar.MaxValue = Math.Max(1, total);
                            bar.Value = done;
                        }

                        all.Value = progress.Done;
                        var left = progress.Remaining(progress.Elapsed);
                        all.Description = left is { } l ? $"all cells ({progress.Done}/{progress.Total}, about {(int)l.TotalMinutes} min left)" : $"all cells ({progress.Done}/{progress.Total})";
                    }

                    // Redraws the display; the run's outcome is awaited below, not decided by this delay.
                    await Task.WhenAny(running, Task.Delay(TimeSpan.FromSeconds(1)));
                }
            });
        return await running;
    }
}
