using SystemdMatrix.Matrix;
using SystemdMatrix.Model;
using SystemdMatrix.Runs;

namespace SystemdMatrix.Tests.Runs;

public sealed class RunProgressTests
{
    private static readonly IReadOnlyList<Cell> V2 = SystemdMatrix.Data.ProjectData.Load(Repo.Layout).Definition is var definition ? definition.Expand(definition.Find("v2")) : [];

    private static IReadOnlyList<Cell> Group(string host, int count) => [.. V2.Where(c => c.Host.Name == host && c.Daemon.Name == "default").Take(count)];

    [Test]
    public void The_estimate_is_this_runs_wall_time_per_expected_second_times_the_expected_seconds_left_boots_included()
    {
        var bullseye = Group("vm-bullseye-v2", 4);
        var forky = Group("vm-forky-v2", 6);
        var progress = new RunProgress([.. bullseye, .. forky], _ => 10);

        Assert.That(progress.Describe(TimeSpan.FromSeconds(30)), Is.EqualTo("progress: 0/10 cells in 30 s; "));
        Assert.That(progress.Remaining(TimeSpan.FromSeconds(30)), Is.Null, "nothing decided: no rate yet");
        progress.Decided(bullseye[0]);
        progress.Decided(bullseye[1]);

        // Done: bullseye's boot and two cells (90 + 20 expected seconds) in 55 s. Left: two bullseye cells, and forky's
        // boot and six cells (20 + 90 + 60).
        Assert.That(progress.Remaining(TimeSpan.FromSeconds(55)), Is.EqualTo(TimeSpan.FromSeconds(55.0 / 110 * 170)));
        Assert.That(progress.Describe(TimeSpan.FromSeconds(55)), Is.EqualTo("progress: 2/10 cells in 55 s, about 1 min 25 s left; vm-bullseye-v2 2/4"));
    }

    [Test]
    public void Cheap_cells_decided_first_do_not_make_the_rest_look_cheap()
    {
        var cells = Group("vm-forky-v2", 10);
        var refusedAtOnce = cells.Take(5).ToHashSet();
        var progress = new RunProgress(cells, c => refusedAtOnce.Contains(c) ? 0.1 : 20);
        foreach (var cell in refusedAtOnce)
        {
            progress.Decided(cell);
        }

        // Half the cells are done, but of the 190.5 expected seconds only the boot and 0.5 s: 100 s are left.
        Assert.That(progress.Remaining(TimeSpan.FromSeconds(90.5)), Is.EqualTo(TimeSpan.FromSeconds(100)));
    }

    [Test]
    public void Cells_of_an_interrupted_run_count_as_done_but_not_in_the_rate()
    {
        var cells = Group("vm-trixie-v2", 10);
        var progress = new RunProgress(cells, _ => 10);
        foreach (var cell in cells.Take(6))
        {
            progress.Reused(cell);
        }

        Assert.That(progress.Remaining(TimeSpan.FromSeconds(5)), Is.Null, "nothing decided now: no rate yet");
        progress.Decided(cells[6]);
        progress.Decided(cells[7]);

        // Now: the group's new boot and two cells (90 + 20) in 55 s; left two cells (20).
        Assert.That(progress.Remaining(TimeSpan.FromSeconds(55)), Is.EqualTo(TimeSpan.FromSeconds(10)));
        Assert.That(progress.Describe(TimeSpan.FromSeconds(55)), Does.StartWith("progress: 8/10 cells (6 from the interrupted run) in 55 s"));
    }

    [Test]
    public void A_group_ruled_out_before_anything_starts_adds_no_boot()
    {
        var ruledOut = Group("vm-bookworm-v2", 3);
        var runs = Group("vm-forky-v2", 2);
        var progress = new RunProgress([.. ruledOut, .. runs], c => ruledOut.Contains(c) ? 0 : 10);
        progress.Decided(runs[0]);

        // Done: forky's boot and a cell (100) in 50 s; left: one forky cell (10), nothing for bookworm.
        Assert.That(progress.Remaining(TimeSpan.FromSeconds(50)), Is.EqualTo(TimeSpan.FromSeconds(5)));
    }

    [Test]
    public void A_host_that_resumes_from_its_snapshot_is_expected_to_start_in_its_own_time_not_a_boots()
    {
        var resumes = Group("vm-bullseye-v2", 2);
        var boots = Group("vm-forky-v2", 2);
        var progress = new RunProgress([.. resumes, .. boots], _ => 10, c => c.Host.Name == "vm-bullseye-v2" ? 15 : 90);
        progress.Decided(resumes[0]);

        // Done: bullseye's resume and a cell (25) in 25 s; left: a bullseye cell and forky's boot and two cells (120).
        Assert.That(progress.Remaining(TimeSpan.FromSeconds(25)), Is.EqualTo(TimeSpan.FromSeconds(120)));
    }
}
