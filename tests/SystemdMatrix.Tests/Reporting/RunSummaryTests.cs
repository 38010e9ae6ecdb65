using SystemdMatrix.Model;
using SystemdMatrix.Reporting;
using SystemdMatrix.Tests.Results;

namespace SystemdMatrix.Tests.Reporting;

public sealed class RunSummaryTests
{
    [Test]
    public void A_run_ends_with_counts_per_host_unknown_failures_loudly_the_answer_and_where_the_reports_are()
    {
        var host = HostSpec.Vm("forky", HostCgroupMode.V2);
        var identity = Records.Vm("forky", "28.5.2", HostCgroupMode.V2);
        var booted = Verdict.Booted("running", [], ["Reached target multi-user.target"]);
        var cells = new[]
        {
            Records.Of("vm-forky-v2/debian-bookworm/default/a", booted, identity, new RunProfile(CgroupnsMode.Private, CgroupMount.None, Privilege.Privileged, true), hostSpec: host),
            Records.Of("vm-forky-v2/debian-bookworm/default/b", booted, identity, new RunProfile(CgroupnsMode.Private, CgroupMount.None, Privilege.WritableCgroups, true), hostSpec: host),
            Records.Of("vm-forky-v2/debian-bookworm/default/c", Verdict.Failed("unknown", 1, ["Something new"]), identity, RunProfile.Default, hostSpec: host),
            Records.Of("sandbox/debian-bookworm/default/d", Verdict.Failed("cgroup-readonly", 255, ["Failed to create /init.scope control group: Read-only file system"]), Records.Sandbox(), RunProfile.Default),
            Records.Of("sandbox/debian-bookworm/default/e", Verdict.Skipped("can write this machine's cgroup tree"), Records.Sandbox(), RunProfile.Default with { CgroupMount = CgroupMount.ReadWriteBind }),
        };
        var report = new CompatibilityReport("v2", DateTimeOffset.UtcNow, [], cells) { Missing = ["x"] };

        var summary = RunSummary.Render(report, ["artifacts/compatibility/v2.md", "artifacts/report/index.html"]);

        Assert.Multiple(() =>
        {
            Assert.That(summary, Does.Contain("matrix v2: 5 cells decided this run, 1 of the matrix not yet"));
            Assert.That(summary, Does.Contain("  sandbox / default / debian-bookworm: nothing it ran boots (1 cells that can write this machine's cgroup tree skipped)\n"));
            Assert.That(summary, Does.Contain("  vm-forky-v2 / default: 2 booted, 1 failed\n"));
            Assert.That(summary, Does.Contain("!!! 1 failed cells match NO known failure signature").And.Contain("vm-forky-v2/debian-bookworm/default/c"));
            Assert.That(summary, Does.Contain("  vm-forky-v2 / default / debian-bookworm: isolated: --cgroupns=private --security-opt writable-cgroups=true\n"), "privileged boots too, but is more privilege");
            Assert.That(summary, Does.EndWith("reports:\n  artifacts/compatibility/v2.md\n  artifacts/report/index.html\n"));
            Assert.That(summary.Split('\n'), Has.Length.LessThan(20), "compact: not a line per cell");
        });
    }
}
