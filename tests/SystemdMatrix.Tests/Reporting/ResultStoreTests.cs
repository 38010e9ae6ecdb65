using SystemdMatrix.Model;
using SystemdMatrix.Reporting;
using SystemdMatrix.Runs;

namespace SystemdMatrix.Tests.Reporting;

public sealed class ResultStoreTests
{
    private static ReportRow Row(string cellId, Verdict verdict) =>
        new(cellId, RunProfile.Default, ["seed#1"], "debian-bookworm", "252", "sandbox Docker", "hostkey", "default", "--tmpfs /run", "docker run -it img", verdict, 0.5, 1);

    [Test]
    public void An_interrupted_run_of_the_same_matrix_resumes_and_a_finished_one_starts_over()
    {
        var folder = Path.Combine(Path.GetTempPath(), "smx-results-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var first = new ResultStore(folder);
            Assert.That(first.Begin("smoke", fresh: false), Is.Zero);
            first.Save(new CellResult(Row("a/default/x", Verdict.Booted("running", [], ["Reached target Multi-User System."])), "recipe1", ["run"], "log"));
            first.Save(new CellResult(Row("a/default/y", Verdict.Failed("cgroup-readonly", 255, ["Failed"])), "recipe1", ["run"], "log"));

            // Interrupted: no Complete(). The next run of the same matrix picks the results up.
            var second = new ResultStore(folder);
            Assert.That(second.Begin("smoke", fresh: false), Is.EqualTo(2));
            var reused = second.Reusable("hostkey", "a/default/x", "recipe1");
            Assert.That(reused?.Row.Verdict.Kind, Is.EqualTo(VerdictKind.Booted));
            Assert.That(reused!.Row.Verdict.DecisiveLines, Is.EqualTo(new[] { "Reached target Multi-User System." }));
            Assert.That(second.Reusable("hostkey", "a/default/x", "recipe2"), Is.Null, "a rebuilt image invalidates the result");
            Assert.That(second.Reusable("otherhost", "a/default/x", "recipe1"), Is.Null);

            second.Complete("smoke");
            Assert.That(new ResultStore(folder).Begin("smoke", fresh: false), Is.Zero, "a finished run is not resumed");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public void Another_matrix_or_fresh_does_not_resume()
    {
        var folder = Path.Combine(Path.GetTempPath(), "smx-results-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var store = new ResultStore(folder);
            store.Begin("smoke", fresh: false);
            store.Save(new CellResult(Row("a/default/x", Verdict.NotApplicable("because")), "r", [], string.Empty));

            Assert.That(new ResultStore(folder).Begin("full", fresh: false), Is.Zero);
            Assert.That(Directory.EnumerateFiles(folder).Select(Path.GetFileName), Is.EqualTo(new[] { "run.json" }));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
