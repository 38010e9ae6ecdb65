using SystemdMatrix.Isolation;

namespace SystemdMatrix.Tests.Isolation;

public sealed class CgroupLeftoversTests
{
    [Test]
    public async Task Systemds_own_layout_at_a_hierarchy_root_is_removed_only_where_the_machines_init_is_not_systemd()
    {
        var root = Path.Combine(Path.GetTempPath(), "smx-leftovers-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "unified", "init.scope"));
            Directory.CreateDirectory(Path.Combine(root, "unified", "system.slice", "systemd-journald.service"));
            Directory.CreateDirectory(Path.Combine(root, "unified", "docker"));
            Directory.CreateDirectory(Path.Combine(root, "memory", "user.slice"));
            File.WriteAllText(Path.Combine(root, "memory", "user.slice", "cgroup.procs"), "42\n");
            Directory.CreateDirectory(Path.Combine(root, "cpu,cpuacct"));
            File.CreateSymbolicLink(Path.Combine(root, "cpu"), "cpu,cpuacct");
            File.CreateSymbolicLink(Path.Combine(root, "net_cls"), "net_cls,net_prio");

            Assert.That(await CgroupLeftovers.ReapAsync(root, init: "systemd"), Is.Empty, "on a systemd host those are the host's own");

            var removed = (await CgroupLeftovers.ReapAsync(root, init: "process_api")).Select(p => Path.GetRelativePath(root, p));

            Assert.That(removed, Is.EquivalentTo(new[] { "unified/init.scope", "unified/system.slice/systemd-journald.service", "unified/system.slice", "net_cls" }));
            Assert.That(new FileInfo(Path.Combine(root, "cpu")).LinkTarget, Is.EqualTo("cpu,cpuacct"), "a link to a mounted hierarchy is the host's");
            Assert.That(Directory.Exists(Path.Combine(root, "unified", "docker")), Is.True, "the engine's parent is not a unit");
            Assert.That(Directory.Exists(Path.Combine(root, "memory", "user.slice")), Is.True, "a cgroup in use stays");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
