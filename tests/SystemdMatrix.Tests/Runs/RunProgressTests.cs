using SystemdMatrix.Runs;

namespace SystemdMatrix.Tests.Runs;

public sealed class RunProgressTests
{
    [Test]
    public void The_estimate_is_this_runs_rate_times_the_cells_left_and_hosts_show_once_they_started()
    {
        var progress = new RunProgress([KeyValuePair.Create("vm-bullseye-v2", 4), KeyValuePair.Create("vm-forky-v2", 6)]);

        Assert.That(progress.Describe(TimeSpan.FromSeconds(30)), Is.EqualTo("progress: 0/10 cells in 30 s; "));
        progress.Decided("vm-bullseye-v2");
        progress.Decided("vm-bullseye-v2");

        // 2 cells in 60 s: 30 s a cell, 8 left.
        Assert.That(progress.Remaining(TimeSpan.FromSeconds(60)), Is.EqualTo(TimeSpan.FromMinutes(4)));
        Assert.That(progress.Describe(TimeSpan.FromSeconds(60)), Is.EqualTo("progress: 2/10 cells in 1 min 00 s, about 4 min 00 s left; vm-bullseye-v2 2/4"));
    }

    [Test]
    public void Cells_of_an_interrupted_run_count_as_done_but_not_in_the_rate()
    {
        var progress = new RunProgress([KeyValuePair.Create("sandbox", 10)]);
        for (var i = 0; i < 6; i++)
        {
            progress.Reused("sandbox");
        }

        Assert.That(progress.Remaining(TimeSpan.FromSeconds(5)), Is.Null, "nothing decided now: no rate yet");
        progress.Decided("sandbox");
        progress.Decided("sandbox");

        Assert.That(progress.Remaining(TimeSpan.FromSeconds(20)), Is.EqualTo(TimeSpan.FromSeconds(20)), "10 s a cell, 2 left");
        Assert.That(progress.Describe(TimeSpan.FromSeconds(20)), Does.StartWith("progress: 8/10 cells (6 from the interrupted run) in 20 s"));
    }
}
