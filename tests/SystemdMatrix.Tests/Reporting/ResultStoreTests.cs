using SystemdMatrix.Model;
using SystemdMatrix.Reporting;
using SystemdMatrix.Runs;

namespace SystemdMatrix.Tests.Reporting;

public sealed class ResultStoreTests
{
    private string _folder = string.Empty;

    [SetUp]
    public void CreateFolder() => _folder = Path.Combine(Path.GetTempPath(), "smx-results-" + Guid.NewGuid().ToString("N")[..8]);

    [TearDown]
    public void RemoveFolder()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private static ReportRow Row(string cellId, Verdict verdict, string hostKey = "hostkey") =>
        new(cellId, RunProfile.Default, ["seed#1"], "debian-bookworm", "252", "sandbox Docker", hostKey, "default", "--tmpfs /run", "docker run -it img", verdict, 0.5, 1);

    private static CellResult Result(string cellId, Verdict verdict, string hostKey = "hostkey", string recipe = "recipe1") =>
        new(Row(cellId, verdict, hostKey), recipe, ["run"], "log");

    private static readonly string[] Cells = ["a/default/x", "a/default/y", "a/default/z"];

    [Test]
    public void An_interrupted_run_of_the_same_matrix_resumes_and_a_finished_one_starts_over()
    {
        var first = new ResultStore(_folder);
        Assert.That(first.Begin("smoke", string.Empty, Cells, fresh: false), Is.Zero);
        first.Save(Result("a/default/x", Verdict.Booted("running", [], ["Reached target Multi-User System."])));
        first.Save(Result("a/default/y", Verdict.Failed("cgroup-readonly", 255, ["Failed"])));

        // Interrupted: no Complete(). The next run of the same matrix picks the results up.
        var second = new ResultStore(_folder);
        Assert.That(second.Begin("smoke", string.Empty, Cells, fresh: false), Is.EqualTo(2));
        var reused = second.Reusable("hostkey", "a/default/x", "recipe1");
        Assert.That(reused?.Row.Verdict.Kind, Is.EqualTo(VerdictKind.Booted));
        Assert.That(reused!.Row.Verdict.DecisiveLines, Is.EqualTo(new[] { "Reached target Multi-User System." }));
        Assert.That(second.Reusable("hostkey", "a/default/x", "recipe2"), Is.Null, "a rebuilt image invalidates the result");
        Assert.That(second.Reusable("otherhost", "a/default/x", "recipe1"), Is.Null);

        second.Complete();
        Assert.That(new ResultStore(_folder).Begin("smoke", string.Empty, Cells, fresh: false), Is.Zero, "a finished run is not resumed");
        Assert.That(new ResultStore(_folder).Latest(Cells).Results, Has.Count.EqualTo(2), "but its results are kept for the table");
    }

    [Test]
    public void Another_matrix_or_fresh_keeps_every_result_and_resumes_nothing()
    {
        var store = new ResultStore(_folder);
        store.Begin("smoke", string.Empty, Cells, fresh: false);
        store.Save(Result("a/default/x", Verdict.NotApplicable("because")));

        Assert.That(new ResultStore(_folder).Begin("full", string.Empty, Cells, fresh: false), Is.Zero);
        Assert.That(new ResultStore(_folder).Begin("smoke", string.Empty, Cells, fresh: true), Is.Zero);
        var (results, missing) = new ResultStore(_folder).Latest(Cells);
        Assert.That(results.Select(r => r.Row.CellId), Is.EqualTo(new[] { "a/default/x" }), "no run deletes another's results");
        Assert.That(missing, Is.EqualTo(new[] { "a/default/y", "a/default/z" }));
    }

    [Test]
    public void A_narrowed_run_never_marks_the_whole_matrix_finished()
    {
        var whole = new ResultStore(_folder);
        whole.Begin("smoke", string.Empty, Cells, fresh: false);
        whole.Save(Result("a/default/x", Verdict.Failed("cgroup-readonly", 255, ["Failed"])));

        // Interrupted; then a narrowed run of one other cell runs to its end.
        var narrowed = new ResultStore(_folder);
        narrowed.Begin("smoke", "cell:a/default/y", ["a/default/y"], fresh: false);
        narrowed.Save(Result("a/default/y", Verdict.Failed("cgroup-readonly", 255, ["Failed"])));
        narrowed.Complete();

        // The whole matrix resumes and reuses both: what it decided itself and what was decided since it began.
        var again = new ResultStore(_folder);
        Assert.That(again.Begin("smoke", string.Empty, Cells, fresh: false), Is.EqualTo(2));
        Assert.That(again.Reusable("hostkey", "a/default/x", "recipe1"), Is.Not.Null);
        Assert.That(again.Reusable("hostkey", "a/default/y", "recipe1"), Is.Not.Null);
    }

    [Test]
    public void The_table_takes_each_cells_newest_result_on_any_host()
    {
        var store = new ResultStore(_folder);
        store.Begin("smoke", string.Empty, Cells, fresh: false);
        store.Save(Result("a/default/x", Verdict.Failed("cgroup-readonly", 255, ["Failed"]), "old-engine") with { DecidedAt = DateTimeOffset.UtcNow.AddDays(-1) });
        store.Save(Result("a/default/x", Verdict.Booted("running", [], ["Reached target Multi-User System."]), "new-engine"));

        var (results, _) = store.Latest(Cells);
        Assert.That(results.Single().Row.HostKey, Is.EqualTo("new-engine"));
    }

    [Test]
    public void A_result_file_of_the_wrong_shape_is_reported_and_its_cell_decided_again()
    {
        var store = new ResultStore(_folder);
        store.Begin("smoke", string.Empty, Cells, fresh: false);
        store.Save(Result("a/default/x", Verdict.Booted("running", [], ["Reached target Multi-User System."])));
        File.WriteAllText(Path.Combine(_folder, ResultStore.FileName("hostkey", "a/default/y")), "{}");
        File.WriteAllText(Path.Combine(_folder, ResultStore.FileName("hostkey", "a/default/z")), "{\"row\": {\"cellId\": ");

        var again = new ResultStore(_folder);
        Assert.That(again.Begin("smoke", string.Empty, Cells, fresh: false), Is.EqualTo(1));
        Assert.That(again.Unreadable.Select(Path.GetFileName), Is.EquivalentTo(new[] { ResultStore.FileName("hostkey", "a/default/y"), ResultStore.FileName("hostkey", "a/default/z") }));
        Assert.That(again.Reusable("hostkey", "a/default/y", "recipe1"), Is.Null);
    }
}
