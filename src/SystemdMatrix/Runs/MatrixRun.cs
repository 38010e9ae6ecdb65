using SystemdMatrix.Data;
using System.Collections.Concurrent;
using SystemdMatrix.Boot;
using SystemdMatrix.Images;
using SystemdMatrix.Isolation;
using SystemdMatrix.Matrix;
using SystemdMatrix.Model;
using SystemdMatrix.Reporting;
using SystemdMatrix.Results;

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

    /// <summary>
    /// Commit the matrix's complete results as its reference results (<c>docs/compatibility/MATRIX.json</c>) and render
    /// them (<see cref="CommittedReports"/>); refused while cells are missing, skipped or broken.
    /// </summary>
    public bool Publish { get; init; }

    /// <summary>VMs booted at once (each takes <see cref="VmCpus"/> vCPUs and 2 GB).</summary>
    public int ParallelVms { get; init; } = Hosts.VmHostProvider.DefaultParallelVms;

    /// <summary>vCPUs of each VM host, which is also how many of its cells boot at once (null: <see cref="Hosts.VmHostProvider.DefaultVmCpus"/>).</summary>
    public int? VmCpus { get; init; }

    /// <summary>
    /// Let cells that can write the host's cgroup tree run on sandbox engines, whose host is this machine
    /// (<c>--allow-host-writes</c>); without it they are reported as skipped. VM hosts run them regardless.
    /// </summary>
    public bool AllowHostWrites { get; init; }

    /// <summary>Given the run's progress once its cells are known (a terminal's live display reads it as it changes).</summary>
    public Action<RunProgress>? WatchProgress { get; init; }

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

    /// <summary>
    /// Run every cell on the user's own engine instead of the matrix's hosts (<c>--host local</c>): each cell once,
    /// under the engine's own daemon settings (profile <c>local</c>), results kept as matrix <c>NAME-local</c>.
    /// </summary>
    public Local.LocalEngineAddress? LocalEngine { get; init; }
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

        // Every data file is checked, against the others too, before an image is built or an engine started.
        var data = ProjectData.Load(layout);
        var (manifest, definition) = (data.Manifest, data.Definition);
        options = options with { Runner = options.Runner with { Catalogue = data.Signatures } };
        var matrix = definition.Find(options.MatrixName);
        var expanded = definition.Expand(matrix);

        // On a local engine the matrix's hosts and daemon profiles are the user's one engine, as it is configured.
        var local = options.LocalEngine is { } address ? await Local.LocalEngine.ReadAsync(address, cancellationToken).ConfigureAwait(false) : null;
        if (local is not null && options.Publish)
        {
            throw new MatrixException("--publish: a local engine's results describe one person's host, not a reference host; publish from the matrix's own hosts");
        }

        var resultsName = local is null ? matrix.Name : Local.LocalMatrix.ResultsName(matrix.Name);
        IReadOnlyList<Cell> OnTarget(IEnumerable<Cell> cells) => local is null ? [.. cells] : Local.LocalMatrix.OnEngine(cells, local.Profile);
        var unknownIds = options.Selector.Ids.Except(expanded.Select(c => c.Id), StringComparer.Ordinal).ToList();
        if (unknownIds.Count > 0)
        {
            throw new MatrixException($"matrix {matrix.Name} has no cells {string.Join(", ", unknownIds.Take(5))}{(unknownIds.Count > 5 ? $" (and {unknownIds.Count - 5} more)" : string.Empty)}");
        }

        var cells = OnTarget(expanded.Where(options.Selector.Selects)).ToList();

        var cost = CommittedReports.CellCosts(CommittedReports.Load(layout), matrix.Name);
        if (options.Selector.Shard is { } shard && cells.Count > 0)
        {
            var shards = CellShards.Partition(cells, shard.Count, cost);
            var loads = CellShards.Loads(shards, cost);
            cells = [.. shards[shard.Index - 1]];
            log($"shard {shard}: {cells.Count} cells, expected {loads[shard.Index - 1] / 60:0} min (shards: {string.Join(", ", shards.Select((s, i) => $"{s.Count} cells ~{loads[i] / 60:0} min"))})");
        }

        if (cells.Count == 0)
        {
            throw new MatrixException($"matrix {matrix.Name}: the selection matches no cell");
        }

        var imageNames = cells.Select(c => c.Image).Distinct().ToList();
        log($"matrix {matrix.Name}{(local is null ? string.Empty : $" on the local engine {local.Address}")}: {cells.Count} cells over {imageNames.Count} images and {cells.Select(c => c.Daemon).Distinct().Count()} daemon profiles");

        var statuses = await ImageSet.EnsureAsync(layout, manifest, imageNames.Select(manifest.Find), cache, log, cancellationToken).ConfigureAwait(false);
        foreach (var status in statuses)
        {
            log($"image {status.Image.Name}: {status.Describe()}");
        }

        var images = statuses.ToDictionary(s => s.Image.Name, StringComparer.Ordinal);
        var results = new ResultStore(layout.Results);
        var selection = options.Selector.Canonical;
        var resumable = results.Begin(resultsName, selection, cells.Select(c => c.Id).ToList(), options.Fresh);
        foreach (var unreadable in results.Unreadable)
        {
            log($"{unreadable}: not a cell result (cut short or of another shape); its cell is decided again");
        }

        if (resumable > 0)
        {
            log($"resuming an interrupted run of {matrix.Name}{(selection.Length > 0 ? $" ({selection})" : string.Empty)}: {resumable} cells already decided");
        }

        var rows = new ConcurrentBag<CellRecord>();
        var providers = new HostProviders(layout, cache, options.VmCpus ?? Hosts.VmHostProvider.DefaultVmCpus(options.ParallelVms)) { Local = options.LocalEngine is { } engine ? new Local.LocalHostProvider(engine, options.AllowHostWrites) : null };
        var progress = new RunProgress(cells, cost, cell => providers.For(cell.Host).ExpectedStartSeconds(cell.Host, cell.Daemon));
        options.WatchProgress?.Invoke(progress);
        using var stopReporting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reporting = ReportProgressAsync(progress, stopReporting.Token);
        var decider = new CellDecider(definition, options.AllowHostWrites);
        var groups = cells.GroupBy(c => (c.Host, c.Daemon)).Select(g => (g.Key.Host, g.Key.Daemon, Cells: (IReadOnlyList<Cell>)[.. g], Provider: providers.For(g.Key.Host))).ToList();
        Task Decide((HostSpec Host, DaemonProfile Daemon, IReadOnlyList<Cell> Cells, IHostProvider Provider) group, CancellationToken ct) =>
            DecideGroupAsync(decider, group.Provider, group.Host, group.Daemon, group.Cells, matrix, images, results, rows, progress, options, ct);

        // Hosts that share this machine (sandbox engines) go one after another; those that are machines of their own
        // (VMs) boot side by side, as many as memory and cores carry; each group is one host (one boot per profile).
        try
        {
            foreach (var group in groups.Where(g => !g.Provider.BootsSideBySide))
            {
                await Decide(group, cancellationToken).ConfigureAwait(false);
            }

            await Parallel.ForEachAsync(
                CellShards.LongestFirst(groups.Where(g => g.Provider.BootsSideBySide), g => (g.Host, g.Daemon, g.Cells), cost),
                new ParallelOptions { MaxDegreeOfParallelism = options.ParallelVms, CancellationToken = cancellationToken },
                async (group, ct) => await Decide(group, ct).ConfigureAwait(false))
                .ConfigureAwait(false);
        }
        finally
        {
            await stopReporting.CancelAsync().ConfigureAwait(false);
            await reporting.ConfigureAwait(false);
            log(progress.Describe(progress.Elapsed));
        }

        results.Complete();

        // The matrix's table is made of every one of its cells, this run's and earlier runs' alike: a narrowed run
        // refreshes its part of the table and loses none of the rest.
        var everyCell = OnTarget(definition.Expand(matrix)).Select(c => c.Id).ToList();
        var (latest, missing) = results.Latest(everyCell);
        var report = new CompatibilityReport(
            resultsName,
            DateTimeOffset.UtcNow,
            matrix.Images.Where(images.ContainsKey).Select(name => images[name])
                .Select(st => new ReportImage(st.Image.Name, st.Image.Tag, st.Facts?.SystemdVersion, st.State.ToString().ToLowerInvariant(), st.Reason)).ToList(),
            latest.Select(r => r with { Log = null }).ToList())
        {
            Missing = missing,
        };
        // The page of this run's matrix has every cell's full boot log from the result store (the committed page has none).
        await ReportArtifacts.WriteAsync(report, latest, data.Signatures, layout.Artifacts, cancellationToken).ConfigureAwait(false);
        if (options.Publish)
        {
            if (CommittedReports.Unpublishable(report, requireComplete: true) is { } why)
            {
                log($"not published: {why}");
            }
            else
            {
                log($"published {Path.GetRelativePath(layout.Root, CommittedReports.Publish(layout, report))}; rendered {string.Join(", ", CommittedReports.Write(layout))}");
            }
        }

        return report with { Cells = rows.ToList() };
    }

    /// <summary>Every minute, until stopped: cells done per host and overall, and the time left at this run's rate.</summary>
    private async Task ReportProgressAsync(RunProgress progress, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                log(progress.Describe(progress.Elapsed));
            }
        }
        catch (OperationCanceledException)
        {
            // The run ended (or was interrupted): the last line is written by whoever stopped it.
        }
    }

    /// <summary>Decides every cell of one host and daemon profile and records each decision as a row and a result.</summary>
    private async Task DecideGroupAsync(
        CellDecider decider,
        IHostProvider provider,
        HostSpec hostSpec,
        DaemonProfile daemon,
        IReadOnlyList<Cell> cells,
        NamedMatrix matrix,
        IReadOnlyDictionary<string, ImageStatus> images,
        ResultStore results,
        ConcurrentBag<CellRecord> rows,
        RunProgress progress,
        MatrixRunOptions options,
        CancellationToken cancellationToken)
    {
        var where = $"{hostSpec.Name}, daemon profile {daemon.Name}";
        var loaded = cells.Where(c => images[c.Image].IsAvailable).Select(c => images[c.Image].Facts!).Distinct().ToList();
        var decisions = new ConcurrentBag<CellDecision>();
        Task<BootSession> OpenSession(CancellationToken ct) => provider.StartSessionAsync(hostSpec, daemon, loaded, options.Runner, $"matrix {matrix.Name}", log, ct);

        await decider.DecideAsync(
            provider,
            hostSpec,
            daemon,
            cells,
            name => images[name],
            OpenSession,
            (session, toBoot, booted) => BootGroupAsync(session, OpenSession, provider, cells.Count(c => images[c.Image].IsAvailable), toBoot, booted, options, cancellationToken),
            decision =>
            {
                decisions.Add(decision);
                Record(decision, images[decision.Cell.Image], results, rows);
                if (decision.Stage == DecisionStage.Reused)
                {
                    progress.Reused(decision.Cell);
                }
                else
                {
                    progress.Decided(decision.Cell);
                }
            },
            cancellationToken,
            (cell, host) => results.Reusable(host.Key, cell.Id, images[cell.Image].Facts!.RecipeHash)).ConfigureAwait(false);

        if (decisions.FirstOrDefault(d => d.Stage == DecisionStage.PredictedNotApplicable) is { } ruledOut)
        {
            log($"{where}: nothing started, its {decisions.Count(d => d.Stage == DecisionStage.PredictedNotApplicable)} cells are not applicable here: {ruledOut.Verdict.Message}");
        }
        else if (decisions.FirstOrDefault(d => d.Stage == DecisionStage.EngineRefused) is { } refused)
        {
            log($"{where}: the engine refused the profile: {refused.Verdict.Message}");
        }
    }

    /// <summary>A decision as the table's row and the store's result (a reused cell keeps its earlier result).</summary>
    private static void Record(CellDecision decision, ImageStatus image, ResultStore results, ConcurrentBag<CellRecord> rows)
    {
        if (decision is { Stage: DecisionStage.Reused, Earlier: { } earlier })
        {
            rows.Add(earlier with { Cell = earlier.Cell with { Aliases = decision.Cell.Aliases } });
            return;
        }

        var record = decision.Outcome is { } outcome
            ? CellRecord.Booted(outcome, image.Facts)
            : CellRecord.NotBooted(decision.Cell, image.Facts, decision.Host, decision.Stage, decision.Verdict);
        rows.Add(record with { Log = null });
        results.Save(record);
    }

    /// <summary>
    /// Boots a group's cells on its session and removes it. A host whose cgroup tree could not be put back is replaced
    /// by a new one (a VM is rebooted) as often as its provider allows and the cells not yet decided go on there; where
    /// it cannot be (the sandbox: this machine) the run stops, naming what is left.
    /// </summary>
    private async Task BootGroupAsync(
        BootSession first,
        Func<CancellationToken, Task<BootSession>> restart,
        IHostProvider provider,
        int candidates,
        IReadOnlyList<Cell> cells,
        Action<CellOutcome> booted,
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
            var toBoot = cells;
            if (options.ShuffleSeed is { } seed)
            {
                var shuffled = toBoot.ToArray();
                new Random(seed).Shuffle(shuffled);
                toBoot = [.. shuffled];
            }

            var parallelism = provider.CellParallelism(options.Parallelism);
            log($"{host.Describe()}: booting {toBoot.Count} cells, {parallelism} at a time ({candidates - toBoot.Count} not applicable or already decided)");
            var done = 0;
            var decided = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
            for (var restarts = 0; ; restarts++)
            {
                var remaining = toBoot.Where(c => !decided.ContainsKey(c.Id)).ToList();
                try
                {
                    await BootCellsAsync(session, remaining).ConfigureAwait(false);
                    if (session.Unusable is { } left && provider.MaxRestarts == 0)
                    {
                        // The last cell left the tree changed and it cannot be replaced: no later cell noticed, so say it here.
                        throw left;
                    }

                    return;
                }
                catch (HostStateException dirty) when (restarts < provider.MaxRestarts)
                {
                    log($"{host.Describe()}: {dirty.Message}\nrebooting the VM for the {toBoot.Count - decided.Count} cells left");
                    await session.DisposeAsync().ConfigureAwait(false);
                    session = await restart(cancellationToken).ConfigureAwait(false);
                }
            }

            Task BootCellsAsync(BootSession session, IReadOnlyList<Cell> cells) => Parallel.ForEachAsync(
                cells,
                new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
                async (cell, ct) =>
                {
                    var outcome = options.CompareUnusedHost
                        ? await session.RunComparingUnusedHostAsync(cell, ct).ConfigureAwait(false)
                        : await session.RunAsync(cell, ct).ConfigureAwait(false);
                    decided[cell.Id] = true;
                    booted(outcome);
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
