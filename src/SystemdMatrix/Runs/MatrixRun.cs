using System.Collections.Concurrent;
using SystemdMatrix.Boot;
using SystemdMatrix.Images;
using SystemdMatrix.Isolation;
using SystemdMatrix.Matrix;
using SystemdMatrix.Model;
using SystemdMatrix.Reporting;

namespace SystemdMatrix.Runs;

public sealed record MatrixRunOptions(string MatrixName)
{
    /// <summary>Cells booted at once per engine.</summary>
    public int Parallelism { get; init; } = DefaultParallelism;

    /// <summary>Booting is mostly waiting on the kernel and the engine: two cells per core keeps both busy.</summary>
    public static int DefaultParallelism => Math.Max(2, 2 * Environment.ProcessorCount);

    public CellRunnerOptions Runner { get; init; } = new();

    /// <summary>Only these cells (default: all).</summary>
    public CellSelector Selector { get; init; } = CellSelector.All;

    /// <summary>Ignore an interrupted earlier run's results instead of resuming it.</summary>
    public bool Fresh { get; init; }

    /// <summary>Replace the table between the README's markers with this run's.</summary>
    public bool UpdateReadme { get; init; }

    /// <summary>VMs booted at once (each takes two vCPUs and 2 GB).</summary>
    public int ParallelVms { get; init; } = VmHosts.DefaultParallelVms;

    /// <summary>
    /// Let cells that can write the host's cgroup tree run on sandbox engines, whose host is this machine
    /// (<c>--allow-host-writes</c>); without it they are reported as skipped. VM hosts run them regardless.
    /// </summary>
    public bool AllowHostWrites { get; init; }

    /// <summary>
    /// Boot each host's cells in an order shuffled by this seed instead of matrix order (a replay that shows whether
    /// verdicts depend on what ran before).
    /// </summary>
    public int? ShuffleSeed { get; init; }

    /// <summary>
    /// Also boot every cell on the host taken back to before its engine ran any container, and record that verdict
    /// where it differs (<c>--compare-unused-host</c>; twice the boots, each of them alone).
    /// </summary>
    public bool CompareUnusedHost { get; init; }

    /// <summary>For tests: after this many cells are decided, wait (for Ctrl-C) instead of going on.</summary>
    public int? PauseAfterCells { get; init; }
}

/// <summary>
/// The main job: expand a named matrix, make its images available, start one sandbox engine per daemon profile,
/// decide every cell (not applicable by rule, or booted), and write the table and one result per cell. Every
/// expanded cell ends up in the table; none is silently dropped.
/// </summary>
public sealed class MatrixRun(RepositoryLayout layout, ImageCache cache, Action<string> log)
{
    public async Task<CompatibilityReport> RunAsync(MatrixRunOptions options, CancellationToken cancellationToken)
    {
        var problems = options.Selector.Problems();
        if (problems.Count > 0)
        {
            throw new MatrixException(string.Join('\n', problems));
        }

        var manifest = ImageManifest.Load(layout.Manifest);
        var definition = MatrixDefinition.Load(layout.Matrices);
        var matrix = definition.Find(options.MatrixName);
        var cells = definition.Expand(matrix).Where(options.Selector.Selects).ToList();
        if (cells.Count == 0)
        {
            throw new MatrixException($"matrix {matrix.Name}: the selection matches no cell");
        }

        var imageNames = cells.Select(c => c.Image).Distinct().ToList();
        log($"matrix {matrix.Name}: {cells.Count} cells over {imageNames.Count} images and {cells.Select(c => c.Daemon).Distinct().Count()} daemon profiles");

        var statuses = await ImageSet.EnsureAsync(layout, manifest, imageNames.Select(manifest.Find), cache, log, cancellationToken).ConfigureAwait(false);
        foreach (var status in statuses)
        {
            log($"image {status.Image.Name}: {status.Describe()}");
        }

        var images = statuses.ToDictionary(s => s.Image.Name, StringComparer.Ordinal);
        var results = new ResultStore(layout.Results);
        var selection = options.Selector.Canonical;
        var resumable = results.Begin(matrix.Name, selection, cells.Select(c => c.Id).ToList(), options.Fresh);
        foreach (var unreadable in results.Unreadable)
        {
            log($"{unreadable}: not a cell result (cut short or of another shape); its cell is decided again");
        }

        if (resumable > 0)
        {
            log($"resuming an interrupted run of {matrix.Name}{(selection.Length > 0 ? $" ({selection})" : string.Empty)}: {resumable} cells already decided");
        }

        var rows = new ConcurrentBag<ReportRow>();
        var groups = cells.GroupBy(c => (c.Host, c.Daemon)).ToList();
        foreach (var group in groups.Where(g => g.Key.Host.Kind != HostKind.Vm))
        {
            await RunGroupAsync(group.Key.Host, group.Key.Daemon, group.ToList(), definition, matrix, images, results, rows, options, cancellationToken).ConfigureAwait(false);
        }

        var vmGroups = groups.Where(g => g.Key.Host.Kind == HostKind.Vm).ToList();
        if (vmGroups.Count > 0)
        {
            // VMs boot side by side, as many as memory and cores carry; each group is one VM (one boot per profile).
            await Parallel.ForEachAsync(
                vmGroups,
                new ParallelOptions { MaxDegreeOfParallelism = options.ParallelVms, CancellationToken = cancellationToken },
                async (group, ct) => await RunGroupAsync(group.Key.Host, group.Key.Daemon, group.ToList(), definition, matrix, images, results, rows, options, ct).ConfigureAwait(false))
                .ConfigureAwait(false);
        }

        results.Complete();

        // The matrix's table is made of every one of its cells, this run's and earlier runs' alike: a narrowed run
        // refreshes its part of the table and loses none of the rest.
        var everyCell = definition.Expand(matrix).Select(c => c.Id).ToList();
        var (latest, missing) = results.Latest(everyCell);
        var report = new CompatibilityReport(
            matrix.Name,
            DateTimeOffset.UtcNow,
            matrix.Images.Where(images.ContainsKey).Select(name => images[name])
                .Select(st => new ReportImage(st.Image.Name, st.Image.Tag, st.Facts?.SystemdVersion, st.State.ToString().ToLowerInvariant(), st.Reason)).ToList(),
            latest.Select(r => r.Row).ToList())
        {
            Missing = missing,
        };
        var tables = Path.Combine(layout.Artifacts, "compatibility");
        Directory.CreateDirectory(tables);
        await File.WriteAllTextAsync(Path.Combine(tables, $"{matrix.Name}.md"), report.ToPivotMarkdown() + "\n## Every cell\n\n" + report.ToMarkdown(), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(tables, $"{matrix.Name}.json"), report.ToJson(), cancellationToken).ConfigureAwait(false);
        if (options.UpdateReadme)
        {
            var skipped = latest.Count(r => r.Row.Verdict.Kind == VerdictKind.Skipped);
            if (missing.Count > 0)
            {
                log($"README.md not updated: the {matrix.Name} table lacks {missing.Count} of its {everyCell.Count} cells (run the whole matrix once), e.g. {string.Join(", ", missing.Take(3))}");
            }
            else if (skipped > 0)
            {
                // The README publishes measurements; a cell skipped for want of consent measured nothing.
                log($"README.md not updated: {skipped} cells of the {matrix.Name} table were skipped ({HostWriteClassifier.OptIn} runs them)");
            }
            else if (ReadmeTable.Update(Path.Combine(layout.Root, "README.md"), report))
            {
                log("updated the compatibility table in README.md");
            }
        }

        return report with { Rows = rows.ToList() };
    }

    /// <summary>Decides every cell of one host and daemon profile: not applicable by rule, reused, or booted.</summary>
    private async Task RunGroupAsync(
        HostSpec hostSpec,
        DaemonProfile daemon,
        IReadOnlyList<Cell> cells,
        MatrixDefinition definition,
        NamedMatrix matrix,
        IReadOnlyDictionary<string, ImageStatus> images,
        ResultStore results,
        ConcurrentBag<ReportRow> rows,
        MatrixRunOptions options,
        CancellationToken cancellationToken)
    {
        foreach (var cell in cells.Where(c => !images[c.Image].IsAvailable))
        {
            var row = CompatibilityReport.NotRun(cell, null, "any host", "any", Verdict.NotApplicable($"image {cell.Image} is unavailable: {images[cell.Image].Reason}"));
            rows.Add(row);
            results.Save(new CellResult(row, null, [], string.Empty));
        }

        var candidates = cells.Where(c => images[c.Image].IsAvailable).ToList();
        if (candidates.Count == 0)
        {
            return;
        }

        // Rules that rule out a whole host or profile (the systemd driver without systemd as PID 1, a cgroup mode the
        // release cannot boot) are decided before an engine or VM is started for it.
        var predicted = hostSpec.Kind == HostKind.Vm
            ? VmHosts.PredictIdentity(hostSpec, daemon)
            : await Engines.SandboxEngine.PredictIdentityAsync(daemon, cancellationToken).ConfigureAwait(false);
        var where = $"{hostSpec.Name}, daemon profile {daemon.Name}";
        if (candidates.All(c => definition.NotApplicable(c, predicted) is not null))
        {
            foreach (var cell in candidates)
            {
                var row = CompatibilityReport.NotRun(cell, images[cell.Image].Facts!.SystemdVersion, predicted.Describe(), predicted.Key, definition.NotApplicable(cell, predicted)!);
                rows.Add(row);
                results.Save(new CellResult(row, images[cell.Image].Facts!.RecipeHash, [], string.Empty));
            }

            log($"{where}: nothing started, its {candidates.Count} cells are not applicable here: {definition.NotApplicable(candidates[0], predicted)!.Message}");
            return;
        }

        var loaded = candidates.Select(c => images[c.Image].Facts!).Distinct().ToList();
        var runnerOptions = hostSpec.Kind == HostKind.Vm ? VmHosts.RunnerOptions(options.Runner) : options.Runner;
        async Task<BootSession> StartSessionAsync() => hostSpec.Kind == HostKind.Vm
            ? await BootSession.OnAsync(await VmHosts.StartAsync(layout, cache, hostSpec, daemon, $"matrix {matrix.Name}", log, cancellationToken).ConfigureAwait(false), loaded, log, cancellationToken, runnerOptions).ConfigureAwait(false)
            : await BootSession.StartAsync(daemon, loaded, $"matrix {matrix.Name}", log, cancellationToken, runnerOptions).ConfigureAwait(false);

        BootSession session;
        try
        {
            session = await StartSessionAsync().ConfigureAwait(false);
        }
        catch (Engines.EngineRefusedException refused)
        {
            // The daemon would not start with this profile: every cell of it is refused, in the engine's words.
            foreach (var cell in candidates)
            {
                var row = CompatibilityReport.NotRun(cell, images[cell.Image].Facts!.SystemdVersion, refused.Host.Describe(), refused.Host.Key, Verdict.EngineRefused(refused.EngineMessage));
                rows.Add(row);
                results.Save(new CellResult(row, images[cell.Image].Facts!.RecipeHash, [], string.Empty));
            }

            log($"{where}: the engine refused the profile: {refused.EngineMessage}");
            return;
        }

        await BootGroupAsync(session, StartSessionAsync, hostSpec, candidates, definition, images, results, rows, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>How often one VM group may reboot its host because a cell left the cgroup tree unrestorable.</summary>
    private const int MaxReboots = 3;

    /// <summary>
    /// Boots a group's cells on its session. A VM host whose cgroup tree could not be put back is rebooted and the
    /// cells not yet decided go on there; on the sandbox (this machine) the run stops, naming what is left.
    /// </summary>
    private async Task BootGroupAsync(
        BootSession first,
        Func<Task<BootSession>> restart,
        HostSpec hostSpec,
        IReadOnlyList<Cell> candidates,
        MatrixDefinition definition,
        IReadOnlyDictionary<string, ImageStatus> images,
        ResultStore results,
        ConcurrentBag<ReportRow> rows,
        MatrixRunOptions options,
        CancellationToken cancellationToken)
    {
        var session = first;
        try
        {
            await BootCellsOfGroupAsync().ConfigureAwait(false);
        }
        finally
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }

        async Task BootCellsOfGroupAsync()
        {
            var host = session.Host;

            var toBoot = new List<Cell>();
            foreach (var cell in candidates)
            {
                var facts = images[cell.Image].Facts!;
                if ((definition.NotApplicable(cell, host) ?? HostWriteClassifier.Consent(cell, host, options.AllowHostWrites)) is { } notRun)
                {
                    var row = CompatibilityReport.NotRun(cell, facts.SystemdVersion, host.Describe(), host.Key, notRun);
                    rows.Add(row);
                    results.Save(new CellResult(row, facts.RecipeHash, [], string.Empty));
                }
                else if (results.Reusable(host.Key, cell.Id, facts.RecipeHash) is { } earlier)
                {
                    rows.Add(earlier.Row with { Aliases = cell.Aliases });
                }
                else
                {
                    toBoot.Add(cell);
                }
            }

            if (options.ShuffleSeed is { } seed)
            {
                var shuffled = toBoot.ToArray();
                new Random(seed).Shuffle(shuffled);
                toBoot = [.. shuffled];
            }

            var parallelism = hostSpec.Kind == HostKind.Vm ? VmHosts.CellParallelism : options.Parallelism;
            log($"{host.Describe()}: booting {toBoot.Count} cells, {parallelism} at a time ({candidates.Count - toBoot.Count} not applicable or already decided)");
            var done = 0;
            var decided = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
            for (var reboots = 0; ; reboots++)
            {
                var remaining = toBoot.Where(c => !decided.ContainsKey(c.Id)).ToList();
                try
                {
                    await BootCellsAsync(session, remaining).ConfigureAwait(false);
                    if (session.Unusable is { } left && hostSpec.Kind != HostKind.Vm)
                    {
                        // The last cell left this machine's tree changed: no later cell noticed, so say it here.
                        throw left;
                    }

                    return;
                }
                catch (HostStateException dirty) when (hostSpec.Kind == HostKind.Vm && reboots < MaxReboots)
                {
                    log($"{host.Describe()}: {dirty.Message}\nrebooting the VM for the {toBoot.Count - decided.Count} cells left");
                    await session.DisposeAsync().ConfigureAwait(false);
                    session = await restart().ConfigureAwait(false);
                }
            }

            Task BootCellsAsync(BootSession session, IReadOnlyList<Cell> cells) => Parallel.ForEachAsync(
                cells,
                new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
                async (cell, ct) =>
                {
                    var facts = images[cell.Image].Facts!;
                    var outcome = options.CompareUnusedHost
                        ? await session.RunComparingUnusedHostAsync(cell, ct).ConfigureAwait(false)
                        : await session.RunAsync(cell, ct).ConfigureAwait(false);
                    decided[cell.Id] = true;
                    var row = CompatibilityReport.Row(outcome, facts.SystemdVersion);
                    rows.Add(row);
                    results.Save(new CellResult(row, facts.RecipeHash, outcome.DockerRunArguments, outcome.NormalisedLog));
                    var n = Interlocked.Increment(ref done);
                    var aliases = cell.Aliases.Count > 0 ? $" {string.Join(",", cell.Aliases)}" : string.Empty;
                    log($"[{n}/{toBoot.Count}]{aliases} {cell.Id}: {outcome.Verdict.Label} ({outcome.Duration.TotalSeconds:0.00} s) {outcome.Verdict.Summary}");
                    if (n == options.PauseAfterCells)
                    {
                        log($"pausing after {n} cells until interrupted");
                        await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
                    }
                });
        }
    }
}
