using SystemdMatrix.Matrix;
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
            Assert.That(first.State, Is.EqualTo(SnapshotState.Missing));
            Assert.That(File.ReadAllText(first.ReceivedPath), Is.EqualTo("verdict: booted\n"));

            Assert.That(store.ApproveAll(), Is.EqualTo(new[] { first.ApprovedPath }));
            Assert.That(File.Exists(first.ReceivedPath), Is.False);

            Assert.That(store.Compare(Key, "verdict: booted\n").State, Is.EqualTo(SnapshotState.Matches));

            var changed = store.Compare(Key, "verdict: failed\n");
            Assert.That(changed.State, Is.EqualTo(SnapshotState.Differs));
            Assert.That(changed.Diff, Does.Contain("- verdict: booted").And.Contain("+ verdict: failed"));
            Assert.That(store.Approved(), Is.EqualTo(new[] { Key }));
        }
        finally
        {
            Directory.Delete(fixtures, recursive: true);
        }
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
