using SystemdMatrix.Model;
using SystemdMatrix.Reporting;
using SystemdMatrix.Tests.Results;

namespace SystemdMatrix.Tests.Reporting;

public sealed class CommittedReportsTests
{
    /// <summary>What <c>systemd-matrix report</c> renders from docs/compatibility/*.json is what is committed.</summary>
    [Test]
    public void Every_rendering_of_the_committed_results_is_current()
    {
        Assert.That(CommittedReports.Load(Repo.Layout), Is.Not.Empty, "docs/compatibility/ holds the reference runs' results");
        Assert.That(CommittedReports.Drift(Repo.Layout), Is.Empty, "run `systemd-matrix report` and commit the result");
    }

    /// <summary>The README is where a newcomer starts: the two commands, then the answer, in a page one reads whole.</summary>
    [Test]
    public void The_readme_is_short_and_its_first_table_is_the_answer()
    {
        var readme = File.ReadAllText(Path.Combine(Repo.Layout.Root, "README.md"));
        var answer = readme.IndexOf(CommittedReports.AnswerBegin("v2"), StringComparison.Ordinal);
        var firstTable = readme.IndexOf("\n|", StringComparison.Ordinal);

        Assert.Multiple(() =>
        {
            Assert.That(System.Text.Encoding.UTF8.GetByteCount(readme), Is.LessThan(15 * 1024), "bytes of README.md: move detail to docs/");
            Assert.That(readme.IndexOf("```sh\ndotnet tool restore && dotnet cake ", StringComparison.Ordinal), Is.GreaterThan(0).And.LessThan(answer), "the two commands come first");
            Assert.That(answer, Is.GreaterThan(0).And.LessThan(firstTable), "no table comes before the answer");
        });
    }

    [Test]
    public void The_least_privileged_booting_cell_comes_first_and_isolated_means_it_cannot_write_the_hosts_tree()
    {
        var host = HostSpec.Vm("forky", HostCgroupMode.V2);
        var identity = Records.Vm("forky", "28.5.2", HostCgroupMode.V2);
        var booted = Verdict.Booted("running", [], ["Reached target multi-user.target"]);
        var privileged = Records.Of("a", booted, identity, new RunProfile(CgroupnsMode.Private, CgroupMount.None, Privilege.Privileged, true), hostSpec: host);
        var hostRw = Records.Of("b", booted, identity, new RunProfile(CgroupnsMode.Host, CgroupMount.ReadWriteBind, Privilege.None, true), hostSpec: host);
        var writable = Records.Of("c", booted, identity, new RunProfile(CgroupnsMode.Private, CgroupMount.None, Privilege.WritableCgroups, true), hostSpec: host);
        var failed = Records.Of("d", Verdict.Failed("cgroup-readonly", 255, ["x"]), identity, new RunProfile(CgroupnsMode.Private, CgroupMount.None, Privilege.None, true), hostSpec: host);

        Assert.Multiple(() =>
        {
            Assert.That(LeastPrivilege.Least([privileged, hostRw, writable, failed], withoutHostWrites: false), Is.EqualTo(hostRw), "privilege none, though it can write the host's tree");
            Assert.That(LeastPrivilege.Least([privileged, hostRw, writable, failed], withoutHostWrites: true), Is.EqualTo(writable));
            Assert.That(LeastPrivilege.Least([privileged, hostRw, failed], withoutHostWrites: true), Is.Null, "--privileged may remount the tree read-write");
            Assert.That(LeastPrivilege.Flags(writable), Is.EqualTo("--cgroupns=private --security-opt writable-cgroups=true"));
        });
    }
}
