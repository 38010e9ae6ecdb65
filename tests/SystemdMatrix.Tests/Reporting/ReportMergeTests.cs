using SystemdMatrix.Model;
using SystemdMatrix.Reporting;
using SystemdMatrix.Tests.Results;

namespace SystemdMatrix.Tests.Reporting;

public sealed class ReportMergeTests
{
    private static readonly Verdict Booted = Verdict.Booted("running", [], ["Reached target multi-user.target"]);

    /// <summary>The committed v2 results split in two and merged again give every cell back, each once.</summary>
    [Test]
    public void Two_halves_of_a_report_merge_into_the_whole()
    {
        var whole = CommittedReports.Load(Repo.Layout).Single(r => r.Matrix == "v2");
        var half = whole.Cells.Count / 2;
        var first = whole with { Cells = [.. whole.Cells.Take(half)] };
        var second = whole with { Cells = [.. whole.Cells.Skip(half)] };

        var merged = ReportMerge.Merge(SystemdMatrix.Data.ProjectData.Load(Repo.Layout).Definition, [("first", first), ("second", second)]);

        Assert.That(merged.Cells.Select(c => c.Cell.Id), Is.EquivalentTo(whole.Cells.Select(c => c.Cell.Id)));
        Assert.That(merged.Missing, Is.EquivalentTo(whole.Missing));
    }

    [Test]
    public void Shards_of_a_matrix_run_on_a_local_engine_merge_against_its_local_cells()
    {
        var definition = SystemdMatrix.Data.ProjectData.Load(Repo.Layout).Definition;
        var (_, local) = SystemdMatrix.Local.LocalMatrix.Expand(definition, "smoke-local");
        var host = Records.Sandbox("28.2.2") with { Kind = HostKind.Local };
        CompatibilityReport Shard(IEnumerable<Cell> cells) =>
            new("smoke-local", DateTimeOffset.UtcNow, [], [.. cells.Select(c => Records.Of(c.Id, Booted, host, c.Run, image: c.Image, daemon: "local", hostSpec: HostSpec.Local))]);

        var merged = ReportMerge.Merge(definition, [("1.json", Shard(local.Take(10))), ("2.json", Shard(local.Skip(10).Take(5)))]);

        Assert.Multiple(() =>
        {
            Assert.That(merged.Matrix, Is.EqualTo("smoke-local"));
            Assert.That(local.Select(c => c.Id), Has.All.StartWith("local/").And.All.Contains("/local/"));
            Assert.That(local.Select(c => c.Id), Is.Unique, "every configuration once: the matrix's daemon profiles are the engine's one");
            Assert.That(merged.Cells, Has.Count.EqualTo(15));
            Assert.That(merged.Missing, Has.Count.EqualTo(local.Count - 15));
        });
    }

    [Test]
    public void Duplicates_other_hosts_other_recipes_and_other_matrices_are_refused_together()
    {
        var definition = SystemdMatrix.Data.ProjectData.Load(Repo.Layout).Definition;
        var a = new CompatibilityReport("smoke", DateTimeOffset.UtcNow, [], [Records.Of("x", Booted), Records.Of("y", Booted, recipe: "recipe1")]);
        var b = new CompatibilityReport("smoke", DateTimeOffset.UtcNow, [], [Records.Of("x", Booted), Records.Of("z", Booted, host: Records.Sandbox("26.1.5"), recipe: "recipe2")]);
        var c = new CompatibilityReport("v2", DateTimeOffset.UtcNow, [], []);

        var error = Assert.Throws<MergeException>(() => ReportMerge.Merge(definition, [("a.json", a), ("b.json", b), ("c.json", c)]))!.Message;

        Assert.Multiple(() =>
        {
            Assert.That(error, Does.Contain("results of different matrices: a.json (smoke), b.json (smoke), c.json (v2)"));
            Assert.That(error, Does.Contain("cell x is decided in more than one input: a.json, b.json"));
            Assert.That(error, Does.Contain("host sandbox (daemon profile default) was measured as different hosts"));
            Assert.That(error, Does.Contain("image debian-bookworm comes from different recipes"));
        });
    }
}
