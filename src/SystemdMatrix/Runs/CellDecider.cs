using SystemdMatrix.Boot;
using SystemdMatrix.Engines;
using SystemdMatrix.Images;
using SystemdMatrix.Isolation;
using SystemdMatrix.Matrix;
using SystemdMatrix.Model;
using SystemdMatrix.Results;

namespace SystemdMatrix.Runs;

/// <summary>Where in <see cref="CellDecider"/>'s sequence a cell was decided.</summary>
public enum DecisionStage
{
    /// <summary>Its image could not be built or loaded here: decided before any host.</summary>
    ImageUnavailable,

    /// <summary>A rule rules out the whole host or profile, from what the host will be: nothing was started for it.</summary>
    PredictedNotApplicable,

    /// <summary>The engine would not start with the cell's daemon profile.</summary>
    EngineRefused,

    /// <summary>A rule rules it out on the host as measured.</summary>
    NotApplicableOnHost,

    /// <summary>It could write this machine's own tree and the user did not opt in.</summary>
    SkippedWithoutConsent,

    /// <summary>An earlier run of the same matrix decided it on the same host with the same image recipe.</summary>
    Reused,

    /// <summary>It was booted.</summary>
    Booted,
}

/// <summary>
/// How one cell was decided: its verdict, the host it was decided for (null when its image was unavailable), and
/// what the stage brings (the boot's outcome, or the earlier run's record).
/// </summary>
public sealed record CellDecision(Cell Cell, DecisionStage Stage, Verdict Verdict, HostIdentity? Host)
{
    public CellOutcome? Outcome { get; init; }

    public CellRecord? Earlier { get; init; }

    /// <summary>Whether the cell measured nothing here (not applicable or skipped): a boot test ignores it.</summary>
    public bool NotRun => Stage is DecisionStage.ImageUnavailable or DecisionStage.PredictedNotApplicable or DecisionStage.NotApplicableOnHost or DecisionStage.SkippedWithoutConsent;
}

/// <summary>Boots the cells on the session and reports each outcome as it comes; the caller owns the session.</summary>
public delegate Task BootCells(BootSession session, IReadOnlyList<Cell> cells, Action<CellOutcome> booted);

/// <summary>
/// The one sequence that decides the cells of one host and daemon profile, for <c>run</c>, the boot tests and the
/// benchmark alike: image unavailable, predicted not applicable (nothing is started when every cell is), engine
/// refused at start, not applicable on the measured host or skipped without consent, reused from an earlier run,
/// booted. How a session is opened and how cells are booted on it are the caller's (a run starts one per group, the
/// boot tests share them; a run boots in parallel and reboots dirty VMs).
/// </summary>
public sealed class CellDecider(MatrixDefinition definition, bool allowHostWrites)
{
    public async Task DecideAsync(
        IHostProvider provider,
        HostSpec host,
        DaemonProfile daemon,
        IReadOnlyList<Cell> cells,
        Func<string, ImageStatus> imageOf,
        Func<CancellationToken, Task<BootSession>> openSession,
        BootCells boot,
        Action<CellDecision> decided,
        CancellationToken cancellationToken,
        Func<Cell, HostIdentity, CellRecord?>? earlier = null)
    {
        foreach (var cell in cells.Where(c => !imageOf(c.Image).IsAvailable))
        {
            decided(new CellDecision(cell, DecisionStage.ImageUnavailable, Verdict.NotApplicable($"image {cell.Image} is unavailable: {imageOf(cell.Image).Reason}"), null));
        }

        var candidates = cells.Where(c => imageOf(c.Image).IsAvailable).ToList();
        if (candidates.Count == 0)
        {
            return;
        }

        // Rules that rule out a whole host or profile (the systemd driver without systemd as PID 1, a cgroup mode the
        // release cannot boot) are decided before an engine or VM is started for it.
        var predicted = await provider.PredictIdentityAsync(host, daemon, cancellationToken).ConfigureAwait(false);
        if (candidates.All(c => definition.NotApplicable(c, predicted) is not null))
        {
            foreach (var cell in candidates)
            {
                decided(new CellDecision(cell, DecisionStage.PredictedNotApplicable, definition.NotApplicable(cell, predicted)!, predicted));
            }

            return;
        }

        BootSession session;
        try
        {
            session = await openSession(cancellationToken).ConfigureAwait(false);
        }
        catch (EngineRefusedException refused)
        {
            // The daemon would not start with this profile: every cell of it is refused, in the engine's words.
            foreach (var cell in candidates)
            {
                decided(new CellDecision(cell, DecisionStage.EngineRefused, Verdict.EngineRefused(refused.EngineMessage), refused.Host));
            }

            return;
        }

        var measured = session.Host;
        var toBoot = new List<Cell>();
        foreach (var cell in candidates)
        {
            if (definition.NotApplicable(cell, measured) is { } notApplicable)
            {
                decided(new CellDecision(cell, DecisionStage.NotApplicableOnHost, notApplicable, measured));
            }
            else if (HostWriteClassifier.Consent(cell, measured, allowHostWrites) is { } skipped)
            {
                decided(new CellDecision(cell, DecisionStage.SkippedWithoutConsent, skipped, measured));
            }
            else if (earlier?.Invoke(cell, measured) is { } row)
            {
                decided(new CellDecision(cell, DecisionStage.Reused, row.Verdict, measured) { Earlier = row });
            }
            else
            {
                toBoot.Add(cell);
            }
        }

        await boot(session, toBoot, outcome => decided(new CellDecision(outcome.Cell, DecisionStage.Booted, outcome.Verdict, outcome.Host) { Outcome = outcome })).ConfigureAwait(false);
    }
}
