using SystemdMatrix.Model;
using SystemdMatrix.Reporting;
using SystemdMatrix.Results;
using SystemdMatrix.Tests.Results;

namespace SystemdMatrix.Tests.Reporting;

public sealed class VerdictComparisonTests
{
    private static CellRecord Row(string cellId, Verdict verdict) => Records.Of(cellId, verdict);

    private static readonly Verdict Booted = Verdict.Booted("running", [], ["Reached target Multi-User System."]);

    [Test]
    public void A_cell_flips_on_verdict_signature_or_host_writes_but_not_on_time_or_wording()
    {
        var first = new[] { Row("a", Booted), Row("b", Verdict.Failed("cgroup-missing", 255, ["x"])), Row("c", Booted), Row("d", Booted), Row("only-first", Booted) };
        var second = new[]
        {
            Row("a", Booted with { DecisiveLines = ["Reached target multi-user.target"] }) with { Timing = new CellTiming(9, 1) },
            Row("b", Verdict.Failed("cgroup-readonly", 255, ["x"])),
            Row("c", Booted with { HostWrites = ["+ /sys/fs/cgroup/init.scope"] }),
            Row("d", Verdict.Failed("cgroup-missing", 255, ["x"])),
        };

        var (flips, missing, compared) = VerdictComparison.Compare([first, second]);

        Assert.That(flips.Select(f => f.CellId), Is.EqualTo(new[] { "b", "c", "d" }));
        Assert.That(flips[0].Verdicts, Is.EqualTo(new[] { "failed: cgroup-missing", "failed: cgroup-readonly" }));
        Assert.That(missing, Is.EqualTo(new[] { "only-first" }));
        Assert.That(compared, Is.EqualTo(4));
    }

    [Test]
    public void A_report_reads_back_what_it_wrote()
    {
        var file = Path.Combine(Path.GetTempPath(), "smx-report-" + Guid.NewGuid().ToString("N")[..8] + ".json");
        try
        {
            var report = new CompatibilityReport("smoke", DateTimeOffset.UnixEpoch, [], [Row("a", Booted with { HostWrites = ["+ /sys/fs/cgroup/init.scope"] })]);
            File.WriteAllText(file, report.ToJson());

            var read = CompatibilityReport.Load(file);

            Assert.That(read.Cells.Single().Verdict.HostWrites, Is.EqualTo(new[] { "+ /sys/fs/cgroup/init.scope" }));
            Assert.That(VerdictComparison.Compare([report.Cells, read.Cells]).Flips, Is.Empty);
            File.WriteAllText(file, "{}");
            Assert.That(() => CompatibilityReport.Load(file), Throws.InstanceOf<InvalidDataException>().With.Message.Contains(file));
            File.Delete(file);
            Assert.That(() => CompatibilityReport.Load(file), Throws.InstanceOf<InvalidDataException>().With.Message.Contains(file).And.Message.Contains("no such compatibility report"));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
