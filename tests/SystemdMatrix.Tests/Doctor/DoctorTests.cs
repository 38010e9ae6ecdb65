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
        Assert.That(DoctorRun.MajorMinor(version), Is.EqualTo(majorMinor));
}
