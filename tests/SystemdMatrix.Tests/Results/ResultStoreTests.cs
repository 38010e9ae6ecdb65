using SystemdMatrix.Model;
using SystemdMatrix.Results;

namespace SystemdMatrix.Tests.Results;

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

    private static readonly HostIdentity Host = Records.Sandbox();

    private static readonly string HostKey = Host.Key;

    private static CellRecord Result(string cellId, Verdict verdict, HostIdentity? host = null, string recipe = "recipe1") =>
        Records.Of(cellId, verdict, host ?? Host, aliases: ["seed#1"], recipe: recipe);

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
        var reused = second.Reusable(HostKey, "a/default/x", "recipe1");
        Assert.That(reused?.Verdict.Kind, Is.EqualTo(VerdictKind.Booted));
        Assert.That(reused!.Verdict.DecisiveLines, Is.EqualTo(new[] { "Reached target Multi-User System." }));
        Assert.That(second.Reusable(HostKey, "a/default/x", "recipe2"), Is.Null, "a rebuilt image invalidates the result");
        Assert.That(second.Reusable(Records.Sandbox("28.5.2").Key, "a/default/x", "recipe1"), Is.Null);

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
        Assert.That(results.Select(r => r.Cell.Id), Is.EqualTo(new[] { "a/default/x" }), "no run deletes another's results");
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
        Assert.That(again.Reusable(HostKey, "a/default/x", "recipe1"), Is.Not.Null);
        Assert.That(again.Reusable(HostKey, "a/default/y", "recipe1"), Is.Not.Null);
    }

    [Test]
    public void The_table_takes_each_cells_newest_result_on_any_host()
    {
        var store = new ResultStore(_folder);
        store.Begin("smoke", string.Empty, Cells, fresh: false);
        store.Save(Result("a/default/x", Verdict.Failed("cgroup-readonly", 255, ["Failed"]), Records.Sandbox("20.10.5")) with { DecidedAt = DateTimeOffset.UtcNow.AddDays(-1) });
        store.Save(Result("a/default/x", Verdict.Booted("running", [], ["Reached target Multi-User System."]), Records.Sandbox("28.5.2")));

        var (results, _) = store.Latest(Cells);
        Assert.That(results.Single().Host!.EngineVersion, Is.EqualTo("28.5.2"));
    }

    [Test]
    public void A_result_file_of_the_wrong_shape_is_reported_and_its_cell_decided_again()
    {
        var store = new ResultStore(_folder);
        store.Begin("smoke", string.Empty, Cells, fresh: false);
        store.Save(Result("a/default/x", Verdict.Booted("running", [], ["Reached target Multi-User System."])));
        File.WriteAllText(Path.Combine(_folder, ResultStore.FileName(HostKey, "a/default/y")), "{}");
        File.WriteAllText(Path.Combine(_folder, ResultStore.FileName(HostKey, "a/default/z")), "{\"row\": {\"cellId\": ");
        // A result of schema version 1 (the untyped row of earlier releases): decided again, not misread.
        File.WriteAllText(Path.Combine(_folder, ResultStore.FileName(HostKey, "a/default/w")), """{"row": {"cellId": "a/default/w", "hostKey": "k", "verdict": {"kind": "booted"}, "attempts": 1}, "recipeHash": "recipe1", "dockerRun": [], "log": ""}""");

        var again = new ResultStore(_folder);
        Assert.That(again.Begin("smoke", string.Empty, Cells, fresh: false), Is.EqualTo(1));
        Assert.That(again.Unreadable.Select(Path.GetFileName), Is.EquivalentTo(new[] { ResultStore.FileName(HostKey, "a/default/y"), ResultStore.FileName(HostKey, "a/default/z"), ResultStore.FileName(HostKey, "a/default/w") }));
        Assert.That(again.Reusable(HostKey, "a/default/y", "recipe1"), Is.Null);
    }
}
