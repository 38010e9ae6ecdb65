using System.Collections.Concurrent;
using System.Text.Json;
using SystemdMatrix.Boot;
using SystemdMatrix.Images;
using SystemdMatrix.Matrix;
using SystemdMatrix.Model;
using SystemdMatrix.Reporting;

namespace SystemdMatrix.Runs;

public sealed record MatrixRunOptions(string MatrixName)
{
    /// <summary>Cells booted at once per engine.</summary>
    public int Parallelism { get; init; } = Math.Max(2, Environment.ProcessorCount);

    public CellRunnerOptions Runner { get; init; } = new();

    /// <summary>Replace the table between the README's markers with this run's.</summary>
    public bool UpdateReadme { get; init; }
}

/// <summary>
/// The main job: expand a named matrix, make its images available, start one sandbox engine per daemon profile,
/// boot every cell, and write the table and per-cell results.
/// </summary>
public sealed class MatrixRun(RepositoryLayout layout, ImageCache cache, Action<string> log)
{
    private static readonly JsonSerializerOptions ResultOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    public async Task<CompatibilityReport> RunAsync(MatrixRunOptions options, CancellationToken cancellationToken)
    {
        var manifest = ImageManifest.Load(layout.Manifest);
        var definition = MatrixDefinition.Load(layout.Matrices);
        var matrix = definition.Find(options.MatrixName);
        var cells = definition.Expand(matrix);
        log($"matrix {matrix.Name}: {cells.Count} cells over {matrix.Images.Count} images and {matrix.Daemons.Count} daemon profiles");

        var statuses = await ImageSet.EnsureAsync(layout, manifest, matrix.Images.Select(manifest.Find), cache, log, cancellationToken).ConfigureAwait(false);
        foreach (var status in statuses)
        {
            log($"image {status.Image.Name}: {status.Describe()}");
        }

        var available = statuses.Where(s => s.IsAvailable).ToDictionary(s => s.Image.Name, s => s.Facts!, StringComparer.Ordinal);
        var versions = statuses.ToDictionary(s => s.Image.Name, s => s.Facts?.SystemdVersion, StringComparer.Ordinal);
        var rows = new ConcurrentBag<ReportRow>();
        Directory.CreateDirectory(layout.Results);

        foreach (var daemonGroup in cells.GroupBy(c => c.Daemon))
        {
            var runnable = daemonGroup.Where(c => available.ContainsKey(c.Image)).ToList();
            foreach (var cell in daemonGroup.Where(c => !available.ContainsKey(c.Image)))
            {
                var reason = statuses.First(s => s.Image.Name == cell.Image).Reason;
                rows.Add(CompatibilityReport.NotRun(cell, null, "sandbox", "sandbox", Verdict.NotApplicable($"image {cell.Image} is unavailable: {reason}")));
            }

            if (runnable.Count == 0)
            {
                continue;
            }

            var images = runnable.Select(c => available[c.Image]).Distinct().ToList();
            await using var session = await BootSession.StartAsync(daemonGroup.Key, images, $"matrix {matrix.Name}", log, cancellationToken, options.Runner).ConfigureAwait(false);
            var done = 0;
            await Parallel.ForEachAsync(
                runnable,
                new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = cancellationToken },
                async (cell, ct) =>
                {
                    var outcome = await session.RunAsync(cell, ct).ConfigureAwait(false);
                    var row = CompatibilityReport.Row(outcome, versions[cell.Image]);
                    rows.Add(row);
                    await WriteResultAsync(outcome, versions[cell.Image], ct).ConfigureAwait(false);
                    var n = Interlocked.Increment(ref done);
                    var aliases = cell.Aliases.Count > 0 ? $" {string.Join(",", cell.Aliases)}" : string.Empty;
                    log($"[{n}/{runnable.Count}]{aliases} {cell.Id}: {outcome.Verdict.Label} ({outcome.Duration.TotalSeconds:0.00} s) {outcome.Verdict.Summary}");
                }).ConfigureAwait(false);
        }

        var report = new CompatibilityReport(
            matrix.Name,
            DateTimeOffset.UtcNow,
            statuses.Select(s => new ReportImage(s.Image.Name, s.Image.Tag, s.Facts?.SystemdVersion, s.State.ToString().ToLowerInvariant(), s.Reason)).ToList(),
            rows.ToList());
        Directory.CreateDirectory(layout.Artifacts);
        await File.WriteAllTextAsync(Path.Combine(layout.Artifacts, "compatibility.md"), report.ToMarkdown(), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(layout.Artifacts, "compatibility.json"), report.ToJson(), cancellationToken).ConfigureAwait(false);
        if (options.UpdateReadme && ReadmeTable.Update(Path.Combine(layout.Root, "README.md"), report))
        {
            log("updated the compatibility table in README.md");
        }

        return report;
    }

    private async Task WriteResultAsync(CellOutcome outcome, string? systemdVersion, CancellationToken cancellationToken)
    {
        var record = new
        {
            cell = outcome.Cell.Id,
            aliases = outcome.Cell.Aliases,
            image = new { name = outcome.Cell.Image, tag = outcome.ImageTag, systemdVersion },
            host = outcome.Host,
            hostKey = outcome.Host.Key,
            verdict = outcome.Verdict,
            seconds = Math.Round(outcome.Duration.TotalSeconds, 3),
            attempts = outcome.Attempts,
            dockerRun = outcome.DockerRunArguments,
            equivalent = outcome.Equivalent,
            log = outcome.NormalisedLog,
        };
        var file = Path.Combine(layout.Results, ResultFileName(outcome.Cell, outcome.Host));
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(record, ResultOptions), cancellationToken).ConfigureAwait(false);
    }

    public static string ResultFileName(Cell cell, HostIdentity host) => $"{host.Key}__{cell.Id.Replace("/", "__", StringComparison.Ordinal)}.json";
}
