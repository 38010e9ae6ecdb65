using System.Collections.Concurrent;
using SystemdMatrix.Boot;
using SystemdMatrix.Hosts;
using SystemdMatrix.Images;
using SystemdMatrix.Model;
using SystemdMatrix.Reporting;
using SystemdMatrix.Runs;

namespace SystemdMatrix.BootTests.Hosts;

/// <summary>
/// A VM host resumed from the snapshot its first cold boot saved is the host a cold boot makes: the same measured
/// identity, and the same verdicts on the same cells, which are the committed reference run's. A snapshot that
/// cannot be resumed costs a cold boot, not the run.
/// </summary>
[NonParallelizable]
public sealed class VmSnapshotTests
{
    private static readonly HostSpec Host = HostSpec.Vm("bullseye", HostCgroupMode.V2);

    /// <summary>One that boots (seed#3), one that fails before systemd is up (seed#5), one the engine refuses.</summary>
    private static readonly string[] CellIds =
    [
        "vm-bullseye-v2/debian-bookworm/default/cgns-host_mount-rw_priv-none_tmpfs-on",
        "vm-bullseye-v2/debian-bookworm/default/cgns-private_mount-none_priv-none_tmpfs-on",
        "vm-bullseye-v2/debian-bookworm/default/cgns-private_mount-none_priv-writable-cgroups_tmpfs-on",
    ];

    [Test]
    [CancelAfter(1_800_000)]
    public async Task A_vm_resumed_from_its_snapshot_is_the_vm_a_cold_boot_makes_and_a_broken_snapshot_boots_cold(CancellationToken cancellationToken)
    {
        var cells = BootEnvironment.CellsOf("v2", CellIds);
        var image = await BootEnvironment.ImageAsync("debian-bookworm");
        Assert.That(image.Facts, Is.Not.Null, $"debian-bookworm: {image.Reason}");

        var root = Directory.CreateTempSubdirectory("smx-snapshot-test-").FullName;
        try
        {
            // The host image comes from the default cache; the snapshots go to a cache of the test's own, so the first boot is cold.
            var provider = new VmHostProvider(BootEnvironment.Layout, new ImageCache(ImageCache.DefaultRoot)) { Snapshots = new VmSnapshots(new ImageCache(root)) };
            var runner = new CellRunnerOptions { Catalogue = BootEnvironment.Data.Signatures };

            async Task<(HostIdentity Identity, bool Resumed, IReadOnlyDictionary<string, string> Verdicts)> BootCellsAsync(string purpose)
            {
                await using var session = await provider.StartSessionAsync(Host, DaemonProfile.Default, [image.Facts!], runner, purpose, BootEnvironment.Log, cancellationToken);
                var verdicts = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var cell in cells)
                {
                    var outcome = await session.RunAsync(cell, cancellationToken);
                    verdicts[cell.Id] = Describe(outcome.Verdict);
                }

                return (session.Host, ((VmEngine)session.Engine).ResumedFromSnapshot, verdicts);
            }

            var cold = await BootCellsAsync("snapshot test (cold boot)");
            var saved = Directory.GetDirectories(Path.Combine(root, VmSnapshots.Kind));
            var resumed = await BootCellsAsync("snapshot test (resumed)");

            var reference = CommittedReports.Load(BootEnvironment.Layout).Single(r => r.Matrix == "v2").Cells.ToDictionary(c => c.Cell.Id, StringComparer.Ordinal);
            Assert.Multiple(() =>
            {
                Assert.That(cold.Resumed, Is.False, "nothing was saved before the first boot");
                Assert.That(saved, Has.Length.EqualTo(1), "the cold boot saved its VM");
                Assert.That(resumed.Resumed, Is.True, "the second VM of the same kind resumed the first one's snapshot");
                Assert.That(resumed.Identity, Is.EqualTo(cold.Identity), "measured again after the resume: the same engine, cgroup mode, driver, kernel");
                Assert.That(resumed.Verdicts, Is.EqualTo(cold.Verdicts));
                Assert.That(cold.Verdicts, Is.EqualTo(CellIds.ToDictionary(id => id, id => Describe(reference[id].Verdict))), "the verdicts of docs/compatibility/v2.json");
            });

            // A stream qemu cannot read back: the resume fails, the snapshot is replaced by a cold boot's.
            var state = new VmSnapshot(saved[0], null!).State;
            await using (var stream = File.OpenWrite(state))
            {
                stream.SetLength(4096);
            }

            var lines = new ConcurrentQueue<string>();
            await using (var vm = await provider.StartVmAsync(Host, DaemonProfile.Default, "snapshot test (broken snapshot)", line => { lines.Enqueue(line); BootEnvironment.Log(line); }, cancellationToken))
            {
                Assert.That(vm.ResumedFromSnapshot, Is.False);
                Assert.That(vm.Identity, Is.EqualTo(cold.Identity));
            }

            Assert.That(lines, Has.Some.StartsWith("resuming bullseye-v2-default from its snapshot failed, booting it cold and saving a new one"));
            Assert.That(new FileInfo(state).Length, Is.GreaterThan(4096), "a new snapshot replaced the broken one");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static string Describe(Verdict verdict) => $"{verdict.Kind} {verdict.Signature} {verdict.SystemState}";
}
