using SystemdMatrix.Engines;

namespace SystemdMatrix.Tests.Engines;

public sealed class EngineTeardownTests
{
    [Test]
    public void Mount_points_under_the_engine_folders_come_deepest_first()
    {
        string[] mountinfo =
        [
            "21 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw",
            "40 21 254:1 /var/lib/smx/smx-1 /var/lib/smx/smx-1 rw - ext4 /dev/vda1 rw",
            "41 40 0:50 / /var/lib/smx/smx-1/overlay2/abc/merged rw - overlay overlay rw",
            "42 21 0:4 net:[4026532] /run/smx/smx-1/exec/netns/9f rw - nsfs nsfs rw",
            "43 21 0:51 / /var/lib/smx/smx-10/overlay2/x/merged rw - overlay overlay rw",
        ];

        var points = EngineTeardown.MountPointsUnder(mountinfo, ["/var/lib/smx/smx-1", "/run/smx/smx-1"]);

        Assert.That(points, Is.EqualTo(new[]
        {
            "/var/lib/smx/smx-1/overlay2/abc/merged",
            "/run/smx/smx-1/exec/netns/9f",
            "/var/lib/smx/smx-1",
        }));
    }

    [Test]
    public void Escaped_mount_paths_are_decoded()
    {
        Assert.That(EngineTeardown.DecodeMountPath(@"/tmp/with\040space\011tab"), Is.EqualTo("/tmp/with space\ttab"));
        Assert.That(EngineTeardown.DecodeMountPath("/plain"), Is.EqualTo("/plain"));
    }

    [Test]
    public async Task Reaper_removes_a_dead_owners_folders_and_leaves_a_live_owners()
    {
        var state = Path.Combine(Path.GetTempPath(), "smx-reaper-test-" + Guid.NewGuid().ToString("N")[..8]);
        var data = state + "-data";
        try
        {
            var dead = SandboxPaths.For("smx-deadbeef", state, data);
            var live = SandboxPaths.For("smx-a11ve000", state, data);
            foreach (var p in new[] { dead, live })
            {
                Directory.CreateDirectory(p.StateDirectory);
                Directory.CreateDirectory(p.DataRoot);
            }

            // A dead owner: pid 1's real start time is not 1, so this record cannot describe a living process.
            new EngineRecord(dead.Id, "test", "default", 1, 1, dead.StateDirectory, dead.DataRoot, DateTimeOffset.UtcNow).Write();
            EngineRecord.ForCurrentProcess(live, "test", "default").Write();

            // What dockerd with userns-remap leaves beside the state root, for both engines and for one long gone.
            var remappedRoot = state + ".100000.100000";
            foreach (var id in new[] { dead.Id, live.Id, "smx-0ld0ld00" })
            {
                Directory.CreateDirectory(Path.Combine(remappedRoot, id + ".100000.100000", "exec.100000.100000", "containerd.100000.100000"));
            }

            var reaped = await EngineReaper.ReapAsync(state, data);

            Assert.That(reaped.Select(r => r.Id), Is.EquivalentTo(new[] { "smx-deadbeef", "smx-0ld0ld00" }));
            Assert.That(Directory.Exists(dead.StateDirectory) || Directory.Exists(dead.DataRoot), Is.False);
            Assert.That(Directory.Exists(live.StateDirectory) && Directory.Exists(live.DataRoot), Is.True);
            Assert.That(Directory.EnumerateDirectories(remappedRoot).Select(Path.GetFileName), Is.EqualTo(new[] { live.Id + ".100000.100000" }));
            Assert.That(live.RemappedStateDirectories(), Is.EqualTo(new[] { Path.Combine(remappedRoot, live.Id + ".100000.100000") }));
        }
        finally
        {
            foreach (var dir in new[] { state, data, state + ".100000.100000" }.Where(Directory.Exists))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
