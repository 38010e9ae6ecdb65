using SystemdMatrix.Doctor;
using SystemdMatrix.Isolation;
using SystemdMatrix.Model;
using SystemdMatrix.Reporting;
using SystemdMatrix.Tests.Signatures;

namespace SystemdMatrix.Tests.Doctor;

public sealed class DoctorTests
{
    private static readonly HostIdentity ForkyV2 = new(HostKind.Local, "28.5.2+dfsg4", HostCgroupMode.V2, CgroupDriver.Systemd, false, "6.12");
    private static readonly DaemonProfile LocalProfile = new("local", false, CgroupDriver.Systemd, null);

    [Test]
    public void Candidates_go_from_no_flags_to_privileged_in_the_reports_own_order()
    {
        var candidates = DoctorCandidates.For("debian-bookworm", LocalProfile, ForkyV2).ToList();
        var ranks = candidates.Select(c => LeastPrivilege.Rank(c, ForkyV2)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(ranks, Is.Ordered);
            Assert.That(candidates[0].Run, Is.EqualTo(RunProfile.Default), "first the container as people start it");
            Assert.That(candidates[^1].Run.Privilege, Is.EqualTo(Privilege.Privileged));
            Assert.That(candidates.Select(c => c.Id), Is.Unique);
            Assert.That(candidates.All(c => c.Host == HostSpec.Local && c.Run.Tmpfs));
            var firstWriter = candidates.FindIndex(c => HostWriteClassifier.Reason(c, ForkyV2) is not null);
            Assert.That(candidates.Take(firstWriter).Select(c => c.Run.CgroupMount), Does.Not.Contain(CgroupMount.ReadWriteBind), "every candidate that cannot write the tree comes before the rw binds of its level");
            Assert.That(candidates.Select(c => c.Run.Key), Does.Contain("cgns-private_mount-none_priv-writable-cgroups_tmpfs-on"));
        });
    }

    [Test]
    public void A_remapping_engine_also_gets_each_candidate_opted_out_of_the_remap()
    {
        var remapped = LocalProfile with { UsernsRemap = true };
        var candidates = DoctorCandidates.For("debian-bookworm", remapped, ForkyV2 with { UsernsRemap = true });
        Assert.That(candidates.Count(c => c.Run.Remedy == Remedy.UsernsHost), Is.EqualTo(candidates.Count / 2));
    }

    [Test]
    public void An_engine_of_a_published_class_is_named_and_its_working_configuration_confirmed_from_the_committed_cells()
    {
        var published = CommittedResults.All();
        var match = DoctorRun.MatchHostClass(ForkyV2, published);
        var writable = new Cell("debian-bookworm", LocalProfile, RunProfile.Default.WithCgroupns(CgroupnsMode.Private).WithPrivilege(Privilege.WritableCgroups), []) { Host = HostSpec.Local };
        Assert.Multiple(() =>
        {
            Assert.That(match.Hosts, Does.Contain("vm-forky-v2"));
            Assert.That(match.Description, Does.StartWith("Docker 28.5 on cgroup v2, driver systemd, userns-remap off: the published host class of"));
            Assert.That(DoctorRun.Confirm(writable, matrixImage: true, ForkyV2, published), Does.StartWith("confirmed by the matrix: vm-forky-v2/debian-bookworm/default/cgns-private_mount-none_priv-writable-cgroups_tmpfs-on booted"));
            Assert.That(DoctorRun.Confirm(writable with { Run = RunProfile.Default }, matrixImage: true, ForkyV2, published), Does.StartWith("the matrix has it as failed"));
            Assert.That(DoctorRun.Confirm(writable, matrixImage: false, ForkyV2, published), Does.Contain("your own image"));
        });
    }

    [Test]
    public void An_engine_of_no_published_class_is_told_so_with_what_the_tables_have_for_its_cgroup_mode()
    {
        var match = DoctorRun.MatchHostClass(ForkyV2 with { EngineVersion = "99.1.0" }, CommittedResults.All());
        Assert.Multiple(() =>
        {
            Assert.That(match.Hosts, Is.Empty);
            Assert.That(match.Description, Does.Contain("Docker 99.1 on cgroup v2").And.Contain("no published host class matches").And.Contain("vm-forky-v2 (Docker 28.5"));
        });
    }

    [TestCase("20.10.24+dfsg1", "20.10")]
    [TestCase("28.5.2+dfsg4", "28.5")]
    [TestCase("29.0.0", "29.0")]
    public void Host_classes_go_by_engine_major_and_minor(string version, string majorMinor) =>
        Assert.That(HostIdentity.MajorMinorOf(version), Is.EqualTo(majorMinor));
}

public sealed class DoctorTextTests
{
    [Test]
    public void The_answer_leads_with_the_working_line_then_what_stopped_each_weaker_one_and_what_was_skipped()
    {
        var profile = new DaemonProfile("local", false, CgroupDriver.Cgroupfs, null);
        var host = new HostIdentity(HostKind.Local, "20.10.24+dfsg1", HostCgroupMode.Hybrid, CgroupDriver.Cgroupfs, false, "6.1");
        Cell Cell(RunProfile run) => new("debian-bookworm", profile, run, []) { Host = HostSpec.Local };
        var ro = Cell(RunProfile.Default.WithCgroupns(CgroupnsMode.Private).WithCgroupMount(CgroupMount.ReadOnlyBind));
        var probes = new List<DoctorProbe>
        {
            new(1, Cell(RunProfile.Default.WithCgroupns(CgroupnsMode.Private)), ProbeOutcome.Failed, Verdict.Failed("cgroup-readonly", 255, ["Failed to create /init.scope control group: Read-only file system"]), "cgroup-readonly: systemd cannot create its cgroup", 0.6),
            new(2, Cell(RunProfile.Default.WithCgroupns(CgroupnsMode.Host).WithCgroupMount(CgroupMount.ReadWriteBind)), ProbeOutcome.Skipped, Verdict.Skipped("skipped on a local engine: needs --allow-host-writes, because it binds"), "skipped on a local engine: needs --allow-host-writes, because it binds", 0),
            new(3, ro, ProbeOutcome.Booted, Verdict.Booted("running", [], ["Reached target multi-user.target"]) with { HostWrites = ["memory: mkdir /sys/fs/cgroup/memory/x"] }, "booted (running)", 0.7),
            new(4, Cell(RunProfile.Default.WithPrivilege(Privilege.Privileged)), ProbeOutcome.NotProbed, null, "not tried", 0),
        };
        var report = new DoctorReport("unix:///var/run/docker.sock (test)", host.Describe(), host, "systemd-matrix/debian:bookworm", new HostClassMatch(["sandbox"], "the published host class of sandbox"), probes, SystemdMatrix.Snippets.ConfigurationSnippets.For("systemd-matrix/debian:bookworm", ro.Run, DaemonProfile.Default), "confirmed by the matrix: x booted", 2.5);

        var text = DoctorText.Render(report);

        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Contain("works: docker run -it --cgroupns=private --tmpfs /run --tmpfs /run/lock --tmpfs /tmp -v /sys/fs/cgroup:/sys/fs/cgroup:ro systemd-matrix/debian:bookworm"));
            Assert.That(text.IndexOf("works:", StringComparison.Ordinal), Is.LessThan(text.IndexOf("less privileged configurations", StringComparison.Ordinal)));
            Assert.That(text, Does.Contain("  confirmed by the matrix: x booted\n  it wrote your host's cgroup tree outside its own (put back afterwards): memory: mkdir"));
            Assert.That(text, Does.Contain("services:\n  systemd:"));
            Assert.That(text, Does.Contain("  1. --cgroupns=private --tmpfs /run --tmpfs /run/lock --tmpfs /tmp: failed\n     cgroup-readonly"));
            Assert.That(text, Does.Contain("1 candidate was skipped because it can write your host's cgroup tree"));
            Assert.That(text, Does.Not.Contain("--privileged"), "what comes after the working configuration is not listed");
            Assert.That(text, Does.EndWith("2 probes in 2.5 s"));
        });
    }
}
