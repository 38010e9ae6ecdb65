using SystemdMatrix.Matrix;
using SystemdMatrix.Model;
using SystemdMatrix.Snapshots;

namespace SystemdMatrix.Tests.Snapshots;

public sealed class SnapshotStoreTests
{
    private static readonly SnapshotKey Key = new("sandbox_docker-20.10.24_hybrid_cgroupfs", "default", "debian-bookworm", "cgns-host_mount-rw_priv-none_tmpfs-on");

    [Test]
    public void Missing_then_approved_then_matching_then_different()
    {
        var fixtures = Path.Combine(Path.GetTempPath(), "smx-snap-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var store = new SnapshotStore(fixtures);

            var first = store.Compare(Key, "verdict: booted\n");
            Assert.That(first.State, Is.EqualTo(SnapshotState.NewHostClass), "nothing of this host class approved yet");
            Assert.That(first.Describe(), Does.StartWith("new host class sandbox_docker-20.10.24_hybrid_cgroupfs: no snapshot of it is approved yet"));
            Assert.That(File.ReadAllText(first.ReceivedPath), Is.EqualTo("verdict: booted\n"));

            Assert.That(store.ApproveAll(), Is.EqualTo(new[] { first.ApprovedPath }));
            Assert.That(File.Exists(first.ReceivedPath), Is.False);

            Assert.That(store.Compare(Key, "verdict: booted\n").State, Is.EqualTo(SnapshotState.Matches));
            Assert.That(store.Compare(Key with { RunKey = "cgns-private_mount-none_priv-none_tmpfs-on" }, "verdict: failed\n").State, Is.EqualTo(SnapshotState.Missing), "a class with approved snapshots misses this one");

            var changed = store.Compare(Key, "verdict: failed\n");
            Assert.That(changed.State, Is.EqualTo(SnapshotState.Differs));
            Assert.That(changed.Diff, Does.Contain("- verdict: booted").And.Contain("+ verdict: failed"));
            Assert.That(store.Approved(), Is.EqualTo(new[] { Key }), "received files are not approved ones");
        }
        finally
        {
            Directory.Delete(fixtures, recursive: true);
        }
    }

    [Test]
    public void Snapshots_are_keyed_by_the_host_class_so_another_build_of_the_same_engine_checks_the_same_ones()
    {
        var debian = new HostIdentity(HostKind.Local, "28.5.2+dfsg4", HostCgroupMode.V2, CgroupDriver.Systemd, false, "6.12");
        var upstream = debian with { EngineVersion = "28.5.0" };
        var next = debian with { EngineVersion = "29.0.1" };
        var cell = new Cell("debian-bookworm", DaemonProfile.Default, RunProfile.Default, []);
        Assert.Multiple(() =>
        {
            Assert.That(SnapshotKey.For(cell, debian), Is.EqualTo(SnapshotKey.For(cell, upstream)));
            Assert.That(SnapshotKey.For(cell, debian).HostKey, Is.EqualTo("local_docker-28.5_v2_systemd"));
            Assert.That(SnapshotKey.For(cell, next), Is.Not.EqualTo(SnapshotKey.For(cell, debian)), "another minor version is another class");
            Assert.That(debian.Key, Is.Not.EqualTo(upstream.Key), "results stay keyed by the exact build");
            Assert.That(SnapshotKey.For(cell, debian with { CgroupMode = HostCgroupMode.Hybrid }), Is.Not.EqualTo(SnapshotKey.For(cell, debian)));
        });
    }

    [Test]
    public void Every_approved_snapshot_folder_is_a_host_class_key()
    {
        var folders = Directory.GetDirectories(new SnapshotStore(Repo.Layout.Fixtures).Root).Select(Path.GetFileName).ToList();
        Assert.That(folders, Is.Not.Empty);
        Assert.That(folders, Has.All.Matches("^[a-z]+(-[a-z]+)?_docker-[0-9]+\\.[0-9]+_(v1|hybrid|v2)_(cgroupfs|systemd)(_[a-z-]+)*$"), "engine as major.minor, never a package build");
    }

    [Test]
    public void Keys_round_trip_through_their_paths()
    {
        Assert.That(SnapshotKey.FromRelativePath(Key.RelativePath), Is.EqualTo(Key));
        Assert.That(SnapshotKey.FromRelativePath("a/b/c/d.received.txt"), Is.Null);
    }

    [Test]
    public void No_approved_snapshot_belongs_to_a_cell_no_matrix_has_any_more()
    {
        var definition = MatrixDefinition.Load(Repo.Layout.Matrices);
        var cells = definition.Matrices.Values.SelectMany(definition.Expand)
            .Select(c => (c.Daemon.Name, c.Image, c.Run.Key))
            .ToHashSet();

        var orphans = new SnapshotStore(Repo.Layout.Fixtures).Approved()
            .Where(k => !cells.Contains((k.Daemon, k.Image, k.RunKey)))
            .Select(k => k.RelativePath)
            .ToList();

        Assert.That(orphans, Is.Empty, "delete these snapshots (fixtures/snapshots/...): no cell produces them any more");
    }
}
