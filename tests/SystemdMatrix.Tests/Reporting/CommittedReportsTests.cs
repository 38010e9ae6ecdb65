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
    /// <summary>
    /// The seed's question per engine names a daemon-wide answer too: where the default daemon boots nothing isolated,
    /// bookworm's image under userns-remap with a private cgroupns does, and the sentence says so with its cell.
    /// </summary>
    [Test]
    public void The_seed_question_names_a_daemon_wide_answer_beside_the_per_container_one()
    {
        var host = HostSpec.Vm("trixie", HostCgroupMode.V2);
        var identity = Records.Vm("trixie", "26.1.5", HostCgroupMode.V2);
        var booted = Verdict.Booted("running", [], ["Reached target multi-user.target"]);
        var readOnly = Verdict.Failed("cgroup-readonly", 255, ["Failed to create /init.scope control group: Read-only file system"]);
        var privateNone = new RunProfile(CgroupnsMode.Private, CgroupMount.None, Privilege.None, true);
        var cells = new[]
        {
            Records.Of("vm-trixie-v2/seed-replica/default/private", Verdict.Failed("cgroup-mount-denied", 255, ["x"]), identity, privateNone, image: "seed-replica", systemd: "247", hostSpec: host),
            Records.Of("vm-trixie-v2/debian-bullseye/default/private", readOnly, identity, privateNone, image: "debian-bullseye", systemd: "247", hostSpec: host),
            Records.Of("vm-trixie-v2/debian-bullseye/default/privileged", booted, identity, privateNone with { Privilege = Privilege.Privileged }, image: "debian-bullseye", systemd: "247", hostSpec: host),
            Records.Of("vm-trixie-v2/debian-bookworm/default/private", readOnly, identity, privateNone, hostSpec: host),
            Records.Of("vm-trixie-v2/debian-bookworm/userns-remap/private", booted, identity, privateNone, daemon: "userns-remap", hostSpec: host),
        };
        var report = new CompatibilityReport("v2", DateTimeOffset.UnixEpoch, [new ReportImage("seed-replica", "t", "247", "cached", null), new ReportImage("debian-bullseye", "t", "247", "cached", null), new ReportImage("debian-bookworm", "t", "252", "cached", null)], cells);

        var line = LeastPrivilege.RenderV2Answer(report).Split('\n').Single(l => l.StartsWith("- **trixie v2, Docker 26.1.5**", StringComparison.Ordinal));

        Assert.Multiple(() =>
        {
            Assert.That(line, Does.Contain("the seed's image: nothing boots without `--cgroupns=host`"));
            Assert.That(line, Does.Contain("Debian bullseye's: nothing boots that cannot write the host's cgroup tree; `--cgroupns=private --privileged` boots (`vm-trixie-v2/debian-bullseye/default/privileged`)"));
            Assert.That(line, Does.Contain("Debian bookworm's: `--cgroupns=private (daemon: userns-remap)` boots and cannot write the host's cgroup tree (`vm-trixie-v2/debian-bookworm/userns-remap/private`)"));
        });
    }
}
