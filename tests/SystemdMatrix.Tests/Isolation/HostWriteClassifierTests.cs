using SystemdMatrix.Isolation;
using SystemdMatrix.Model;

namespace SystemdMatrix.Tests.Isolation;

public sealed class HostWriteClassifierTests
{
    private static readonly HostIdentity HybridDocker20 = new(HostKind.Sandbox, "20.10.24+dfsg1", HostCgroupMode.Hybrid, CgroupDriver.Cgroupfs, false, "6.1");
    private static readonly HostIdentity HybridDocker26 = HybridDocker20 with { Kind = HostKind.Vm, EngineVersion = "26.1.5" };
    private static readonly HostIdentity V2Docker20 = HybridDocker20 with { Kind = HostKind.Vm, CgroupMode = HostCgroupMode.V2, CgroupDriver = CgroupDriver.Systemd };

    private static Cell Cell(CgroupnsMode cgroupns, CgroupMount mount, Privilege privilege = Privilege.None, Remedy remedy = Remedy.None) =>
        new("debian-bookworm", DaemonProfile.Default, new RunProfile(cgroupns, mount, privilege, true, remedy), []);

    [TestCase(CgroupnsMode.Host, CgroupMount.ReadWriteBind, "read-write in the host's cgroup namespace")]
    [TestCase(CgroupnsMode.Private, CgroupMount.ReadWriteBind, "exposes the host's root tree")]
    [TestCase(CgroupnsMode.EngineDefault, CgroupMount.ReadWriteBind, "read-write in the host's cgroup namespace")]
    [TestCase(CgroupnsMode.Host, CgroupMount.ReadOnlyBind, "submounts of a :ro bind writable")]
    [TestCase(CgroupnsMode.Private, CgroupMount.RecursiveWritableBind, "controller submounts")]
    public void Cells_that_can_write_a_hybrid_hosts_tree(CgroupnsMode cgroupns, CgroupMount mount, string why) =>
        Assert.That(HostWriteClassifier.Reason(Cell(cgroupns, mount), HybridDocker20), Does.Contain(why));

    [Test]
    public void Privilege_and_the_handover_helper_can_write_anywhere()
    {
        Assert.That(HostWriteClassifier.Reason(Cell(CgroupnsMode.Private, CgroupMount.None, Privilege.Privileged), V2Docker20), Does.Contain("--privileged"));
        Assert.That(HostWriteClassifier.Reason(Cell(CgroupnsMode.Private, CgroupMount.None, Privilege.CapSysAdmin), V2Docker20), Does.Contain("SYS_ADMIN"));
        Assert.That(HostWriteClassifier.Reason(Cell(CgroupnsMode.Private, CgroupMount.None, remedy: Remedy.ChownCgroup), V2Docker20), Does.Contain("chowns"));
    }

    [Test]
    public void Writable_cgroups_writes_the_host_only_in_the_hosts_namespace_and_default_means_host_on_hybrid()
    {
        Assert.That(HostWriteClassifier.Reason(Cell(CgroupnsMode.EngineDefault, CgroupMount.None, Privilege.WritableCgroups), HybridDocker26), Is.Not.Null);
        Assert.That(HostWriteClassifier.Reason(Cell(CgroupnsMode.EngineDefault, CgroupMount.None, Privilege.WritableCgroups), V2Docker20), Is.Null, "default is private on v2");
        Assert.That(HostWriteClassifier.Reason(Cell(CgroupnsMode.Private, CgroupMount.None, Privilege.WritableCgroups), HybridDocker26), Is.Null);
    }

    /// <summary>
    /// Measured on vm-bookworm-v2: a --cgroupns=host container without a bind of /sys/fs/cgroup makes the engine
    /// mount cgroup2 in the host's cgroup namespace, and the kernel takes that mount's options (none) as the whole
    /// hierarchy's: nsdelegate goes off for every container until something mounts it with nsdelegate again. On a
    /// hybrid host the engine binds the v1 hierarchies and leaves the unified one alone (measured on this machine).
    /// </summary>
    [Test]
    public void The_hosts_cgroupns_without_a_bind_resets_a_v2_hierarchys_options_and_nothing_on_hybrid()
    {
        Assert.That(HostWriteClassifier.Reason(Cell(CgroupnsMode.Host, CgroupMount.None), V2Docker20), Does.Contain("nsdelegate"));
        Assert.That(HostWriteClassifier.Reason(Cell(CgroupnsMode.EngineDefault, CgroupMount.None), V2Docker20), Is.Null, "default is private on v2");
        Assert.That(HostWriteClassifier.Reason(Cell(CgroupnsMode.Host, CgroupMount.None), HybridDocker20), Is.Null);
    }

    [Test]
    public void Cells_that_keep_to_their_own_cgroup()
    {
        Assert.That(HostWriteClassifier.Reason(Cell(CgroupnsMode.Private, CgroupMount.None), HybridDocker20), Is.Null);
        Assert.That(HostWriteClassifier.Reason(Cell(CgroupnsMode.Host, CgroupMount.ReadOnlyBind), HybridDocker26), Is.Null, "Docker 25 and later make a :ro bind read-only all the way down");
        Assert.That(HostWriteClassifier.Reason(Cell(CgroupnsMode.Host, CgroupMount.ReadOnlyBind), V2Docker20), Is.Null, "a v2 tree is one mount");
    }

    [Test]
    public void Only_the_sandbox_asks_for_consent()
    {
        var writer = Cell(CgroupnsMode.Host, CgroupMount.ReadWriteBind);
        var skipped = HostWriteClassifier.Consent(writer, HybridDocker20, allowHostWrites: false);
        Assert.That(skipped?.Kind, Is.EqualTo(VerdictKind.Skipped));
        Assert.That(skipped!.Message, Does.Contain(HostWriteClassifier.OptIn));
        Assert.That(HostWriteClassifier.Consent(writer, HybridDocker20, allowHostWrites: true), Is.Null);
        Assert.That(HostWriteClassifier.Consent(writer, HybridDocker26, allowHostWrites: false), Is.Null, "a VM host is the harness's own");
        Assert.That(HostWriteClassifier.Consent(Cell(CgroupnsMode.Private, CgroupMount.None), HybridDocker20, allowHostWrites: false), Is.Null);
    }
}
