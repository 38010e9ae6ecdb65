using SystemdMatrix.Engines;
using SystemdMatrix.Model;

namespace SystemdMatrix.Tests.Engines;

public sealed class HostCgroupProbeTests
{
    // Lines as /proc/self/mountinfo prints them, from the three kinds of host.
    private const string Tmpfs = "25 21 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755";
    private const string Unified = "26 25 0:23 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate";
    private const string NamedSystemd = "27 25 0:24 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,xattr,name=systemd";
    private const string Memory = "30 25 0:27 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,memory";
    private const string PureV2 = "25 21 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot";
    private const string Root = "21 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw";

    [Test]
    public void Whether_the_tmpfs_at_the_top_is_read_only_is_read_from_its_super_options()
    {
        // This machine's line: the mount itself rw, its superblock ro; what decides is the superblock, which binds share.
        const string writableSuperblock = "31 23 0:28 / /sys/fs/cgroup ro,relatime - tmpfs tmpfs rw,size=4096k,nr_inodes=1024,mode=755";

        Assert.That(HostCgroupProbe.TopReadOnly([Root, Tmpfs, Unified, Memory]), Is.True);
        Assert.That(HostCgroupProbe.TopReadOnly([Root, writableSuperblock, Unified, Memory]), Is.False);
        Assert.That(HostCgroupProbe.TopReadOnly([Root, PureV2]), Is.True, "no tmpfs: nothing to write there");
        var host = new HostIdentity(HostKind.Sandbox, "20.10.24", HostCgroupMode.Hybrid, CgroupDriver.Cgroupfs, false, "6.1");
        Assert.That(host.Key, Does.Not.Contain("rw-cgroup-tmpfs"));
        Assert.That((host with { CgroupTopReadOnly = false }).Key, Does.EndWith("_rw-cgroup-tmpfs"));
    }

    [Test]
    public void Unified_host()
    {
        Assert.That(HostCgroupProbe.Detect([Root, PureV2]), Is.EqualTo(HostCgroupMode.V2));
    }

    [Test]
    public void Hybrid_host()
    {
        Assert.That(HostCgroupProbe.Detect([Root, Tmpfs, Unified, NamedSystemd, Memory]), Is.EqualTo(HostCgroupMode.Hybrid));
    }

    [Test]
    public void Legacy_host()
    {
        Assert.That(HostCgroupProbe.Detect([Root, Tmpfs, NamedSystemd, Memory]), Is.EqualTo(HostCgroupMode.V1));
    }

    [Test]
    public void A_mount_table_without_cgroups_is_an_error_not_a_guess()
    {
        Assert.That(HostCgroupProbe.TryDetect([Root]), Is.Null);
        Assert.Throws<InvalidDataException>(() => HostCgroupProbe.Detect([]));
    }

    [Test]
    public void This_machine_is_read_without_error()
    {
        Assert.That(Enum.IsDefined(HostCgroupProbe.DetectLocal()), Is.True);
    }

    [Test]
    public void Nsdelegate_is_read_from_the_cgroup2_super_options()
    {
        const string delegating = "41 31 0:38 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate";
        const string plain = "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw";

        Assert.Multiple(() =>
        {
            Assert.That(HostCgroupProbe.Delegates([Root, Tmpfs, delegating, Memory]), Is.True);
            Assert.That(HostCgroupProbe.Delegates([Root, Tmpfs, plain, Memory]), Is.False, "this kind of machine: hybrid, PID 1 not systemd");
            Assert.That(HostCgroupProbe.Delegates([Root, Tmpfs, NamedSystemd, Memory]), Is.True, "a v1 host has no cgroup2 to delegate");
        });
    }

    [Test]
    public void Only_a_host_without_nsdelegate_has_it_in_its_key()
    {
        var host = new HostIdentity(HostKind.Sandbox, "20.10.24", HostCgroupMode.Hybrid, CgroupDriver.Cgroupfs, false, "6.1");

        Assert.That(host.Key, Is.EqualTo("sandbox_docker-20.10.24_hybrid_cgroupfs"));
        Assert.That((host with { CgroupNsDelegate = false }).Key, Is.EqualTo("sandbox_docker-20.10.24_hybrid_cgroupfs_no-nsdelegate"));
    }
}
