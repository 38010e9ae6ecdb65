using SystemdMatrix.Model;
using SystemdMatrix.Reporting;
using SystemdMatrix.Tests.Results;

namespace SystemdMatrix.Tests.Reporting;

public sealed class VerdictChangesTests
{
    private static readonly Verdict Booted = Verdict.Booted("running", [], ["Reached target multi-user.target"]);
    private static readonly Verdict BootedWriting = Booted with { HostWrites = ["+/sys/fs/cgroup/init.scope"] };
    private static readonly Verdict ReadOnly = Verdict.Failed("cgroup-readonly", 255, ["Failed to create /init.scope control group: Read-only file system"]);
    private static readonly Verdict Missing = Verdict.Failed("cgroup-missing", 255, ["x"]);

    [Test]
    public void Regressions_come_first_then_improvements_then_other_changes()
    {
        var older = new[]
        {
            Records.Of("a", Booted), Records.Of("b", ReadOnly), Records.Of("c", ReadOnly), Records.Of("d", Booted),
            Records.Of("e", Booted), Records.Of("f", Verdict.EngineRefused("unknown flag")),
        };
        var newer = new[]
        {
            Records.Of("a", Booted), Records.Of("b", Booted), Records.Of("c", Missing), Records.Of("d", ReadOnly),
            Records.Of("e", BootedWriting), Records.Of("f", Booted),
        };

        var changes = VerdictChanges.Between(older, newer);

        Assert.Multiple(() =>
        {
            Assert.That(changes.Changes.Select(c => (c.CellId, c.Kind)), Is.EqualTo(new[]
            {
                ("d", ChangeKind.Regression), ("e", ChangeKind.Regression), ("b", ChangeKind.Improvement), ("f", ChangeKind.Improvement), ("c", ChangeKind.Other),
            }));
            Assert.That(changes.Compared, Is.EqualTo(6));
            Assert.That(changes.Describe("old.json", "new.json"), Does.StartWith("REGRESSION d: booted (running) -> failed: cgroup-readonly\n"));
            Assert.That(changes.Describe("old.json", "new.json"), Does.Contain("6 cells compared (new.json against old.json): 2 regressions, 2 improvements, 1 other changes"));
        });
    }

    [Test]
    public void Cells_one_side_did_not_measure_are_not_changes()
    {
        var older = new[] { Records.Of("a", Booted), Records.Of("b", Booted), Records.Of("c", Booted) };
        var newer = new[] { Records.Of("a", Verdict.NotApplicable("image unavailable")), Records.Of("b", Verdict.Skipped("needs --allow-host-writes")), Records.Of("d", ReadOnly) };

        var changes = VerdictChanges.Between(older, newer);

        Assert.Multiple(() =>
        {
            Assert.That(changes.Changes, Is.Empty);
            Assert.That(changes.Regressions, Is.Empty);
            Assert.That(changes.Compared, Is.Zero);
            Assert.That(changes.NotCompared, Is.EqualTo(new[] { "a", "b", "c", "d" }));
        });
    }
}
