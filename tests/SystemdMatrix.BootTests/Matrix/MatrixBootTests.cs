using SystemdMatrix.Engines;
using SystemdMatrix.Isolation;
using SystemdMatrix.Model;
using SystemdMatrix.Runs;
using SystemdMatrix.Signatures;
using SystemdMatrix.Snapshots;

namespace SystemdMatrix.BootTests.Matrix;

/// <summary>
/// Every cell of the test matrix, booted for real on a sandbox engine, must end as its approved snapshot says:
/// the verdict, the signature or state, the decisive line and the console. Filter by axis with categories, for
/// example <c>dotnet test --filter "TestCategory=cgroupns:host&amp;TestCategory=mount:rw"</c> or
/// <c>TestCategory=seed</c>.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Children)]
public sealed class MatrixBootTests
{
    public static IEnumerable<TestCaseData> Cells()
    {
        var definition = BootEnvironment.Definition;
        foreach (var cell in BootEnvironment.MatrixNames.SelectMany(name => definition.Expand(definition.Find(name))).Distinct())
        {
            var name = cell.Aliases.Count > 0 ? $"{string.Join(",", cell.Aliases)} {cell.Id}" : cell.Id;
            var data = new TestCaseData(cell).SetName(name)
                .SetCategory($"host:{cell.Host.Name}")
                .SetCategory($"image:{cell.Image}")
                .SetCategory($"daemon:{cell.Daemon.Name}")
                .SetCategory($"cgroupns:{AxisNames.Of(cell.Run.Cgroupns)}")
                .SetCategory($"mount:{AxisNames.Of(cell.Run.CgroupMount)}")
                .SetCategory($"privilege:{AxisNames.Of(cell.Run.Privilege)}")
                .SetCategory($"tmpfs:{(cell.Run.Tmpfs ? "on" : "off")}")
                .SetCategory($"remedy:{AxisNames.Of(cell.Run.Remedy)}");
            foreach (var group in cell.Aliases.Select(a => a.Split('#')[0]).Distinct())
            {
                data = data.SetCategory(group);
            }

            yield return data;
        }
    }

    [TestCaseSource(nameof(Cells))]
    [CancelAfter(900_000)]
    public async Task Boots_as_approved(Cell cell, CancellationToken cancellationToken)
    {
        var image = await BootEnvironment.ImageAsync(cell.Image);

        // The same sequence as `run`, for a group of one: a cell `run` would not boot here is ignored with its reason.
        var decisions = new List<CellDecision>();
        await BootEnvironment.Decider.DecideAsync(
            BootEnvironment.Providers.For(cell.Host),
            cell.Host,
            cell.Daemon,
            [cell],
            _ => image,
            _ => BootEnvironment.SessionAsync(cell.Host, cell.Daemon, [image.Facts!]),
            async (session, cells, booted) =>
            {
                foreach (var toBoot in cells)
                {
                    booted(await session.RunAsync(toBoot, cancellationToken));
                }
            },
            decisions.Add,
            cancellationToken);
        var decision = decisions.Single();
        if (decision.NotRun)
        {
            var where = decision.Host is { } host ? $" on {host.Describe()}" : string.Empty;
            Assert.Ignore(decision.Stage == DecisionStage.SkippedWithoutConsent
                ? $"skipped: {decision.Verdict.Message} (SYSTEMD_MATRIX_ALLOW_HOST_WRITES=1)"
                : $"not applicable{where}: {decision.Verdict.Message}");
        }

        if (decision.Stage == DecisionStage.EngineRefused)
        {
            // The daemon would not start with this profile: the cell's verdict is that refusal, approved like any other.
            var refusedOutcome = new Boot.CellOutcome(cell, image.Facts!.Tag, decision.Host!, decision.Verdict, string.Empty, TimeSpan.Zero, [], string.Empty, 0);
            var refusal = BootEnvironment.Snapshots.Compare(SnapshotKey.For(cell, decision.Host!), BootSnapshot.Render(refusedOutcome, image.Facts.SystemdVersion));
            AssertMatchesApproved(refusal);
            return;
        }

        var outcome = decision.Outcome!;
        var verdict = outcome.Verdict;
        TestContext.Out.WriteLine($"{outcome.Equivalent}\n=> {verdict.Label}: {verdict.Summary} ({outcome.Duration.TotalSeconds:0.00} s)");

        Assert.That(verdict.Kind, Is.Not.EqualTo(VerdictKind.InfrastructureError), verdict.Message);
        switch (verdict.Kind)
        {
            case VerdictKind.Booted:
                Assert.That(verdict.SystemState, Is.EqualTo("running").Or.EqualTo("degraded"));
                Assert.That(verdict.DecisiveLines, Has.Some.Contains("Multi-User System"));
                break;
            case VerdictKind.Failed:
                Assert.That(verdict.Signature, Is.Not.EqualTo(SignatureCatalogue.Unknown), $"no signature matches:\n{outcome.NormalisedLog}");
                Assert.That(verdict.DecisiveLines, Is.Not.Empty);
                break;
            case VerdictKind.EngineRefused:
                Assert.That(verdict.Message, Is.Not.Empty);
                break;
        }

        var comparison = BootEnvironment.Snapshots.Compare(SnapshotKey.For(cell, outcome.Host), BootSnapshot.Render(outcome, image.Facts!.SystemdVersion));
        AssertMatchesApproved(comparison);
    }

    /// <summary>
    /// The boot matches its approved snapshot. On a host class nobody has approved any snapshot of (a runner with
    /// another engine minor version, say) the verdict above was still checked, and the test says "new host class"
    /// (ignored, with the received file to review) instead of failing the approved ones.
    /// </summary>
    private static void AssertMatchesApproved(SnapshotComparison comparison)
    {
        if (comparison.State == SnapshotState.NewHostClass)
        {
            Assert.Ignore(comparison.Describe());
        }

        Assert.That(comparison.State, Is.EqualTo(SnapshotState.Matches), comparison.Describe());
    }
}
