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
        if (!image.IsAvailable)
        {
            Assert.Ignore($"not applicable here: image {cell.Image} is unavailable: {image.Reason}");
        }

        // A whole daemon profile may be impossible here (the systemd driver without systemd as PID 1): decided from
        // what the machine is, before an engine is started for it.
        var predicted = cell.Host.Kind == HostKind.Vm
            ? VmHosts.PredictIdentity(cell.Host, cell.Daemon)
            : await SandboxEngine.PredictIdentityAsync(cell.Daemon, cancellationToken);
        if (BootEnvironment.Definition.NotApplicable(cell, predicted) is { } impossible)
        {
            Assert.Ignore($"not applicable on {predicted.Describe()}: {impossible.Message}");
        }

        BootSession session;
        try
        {
            session = await BootEnvironment.SessionAsync(cell.Host, cell.Daemon, [image.Facts!]);
        }
        catch (EngineRefusedException refused)
        {
            // The daemon would not start with this profile: the cell's verdict is that refusal, approved like any other.
            var refusedOutcome = new Boot.CellOutcome(cell, image.Facts!.Tag, refused.Host, Verdict.EngineRefused(refused.EngineMessage), string.Empty, TimeSpan.Zero, [], string.Empty, 0);
            var refusal = BootEnvironment.Snapshots.Compare(SnapshotKey.For(cell, refused.Host), BootSnapshot.Render(refusedOutcome, image.Facts.SystemdVersion));
            Assert.That(refusal.State, Is.EqualTo(SnapshotState.Matches), refusal.Describe());
            return;
        }

        if (BootEnvironment.Definition.NotApplicable(cell, session.Host) is { } notApplicable)
        {
            Assert.Ignore($"not applicable on {session.Host.Describe()}: {notApplicable.Message}");
        }

        if (HostWriteClassifier.Consent(cell, session.Host, BootEnvironment.AllowHostWrites) is { } skipped)
        {
            Assert.Ignore($"skipped: {skipped.Message} (SYSTEMD_MATRIX_ALLOW_HOST_WRITES=1)");
        }

        var outcome = await session.RunAsync(cell, cancellationToken);
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
        Assert.That(comparison.State, Is.EqualTo(SnapshotState.Matches), comparison.Describe());
    }
}
