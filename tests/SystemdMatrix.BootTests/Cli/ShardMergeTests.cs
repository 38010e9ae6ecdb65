using System.Diagnostics;
using SystemdMatrix.Model;
using SystemdMatrix.Reporting;

namespace SystemdMatrix.BootTests.Cli;

/// <summary>
/// The nightly's path, locally: a selection of the smoke matrix run as three shards (`run --shard i/3`), the shards'
/// results joined by `merge`, and the same selection run unsharded: the two must agree cell for cell.
/// </summary>
public sealed class ShardMergeTests
{
    [Test]
    [CancelAfter(1_200_000)]
    public async Task Three_shards_merged_equal_one_unsharded_run_cell_for_cell(CancellationToken cancellationToken)
    {
        await BootEnvironment.ImageAsync("debian-bookworm");
        var root = Directory.CreateTempSubdirectory("smx-shards-");
        string[] selection = ["run", "--matrix", "smoke", "--where", "image=debian-bookworm", "--where", "privilege=none", .. BootEnvironment.AllowHostWrites ? ["--allow-host-writes"] : Array.Empty<string>()];
        try
        {
            async Task<(CompatibilityReport Report, TimeSpan Took)> RunAsync(string name, params string[] extra)
            {
                var clock = Stopwatch.StartNew();
                using var run = CliProcess.Start(["--artifacts", Path.Combine(root.FullName, name), .. selection, .. extra]);
                var exit = await run.WaitForExitAsync(TimeSpan.FromMinutes(8), cancellationToken);
                Assert.That(exit, Is.Zero, run.Output);
                return (CompatibilityReport.Load(Path.Combine(root.FullName, name, "compatibility", "smoke.json")), clock.Elapsed);
            }

            var shards = new List<(CompatibilityReport Report, TimeSpan Took)>();
            for (var i = 1; i <= 3; i++)
            {
                shards.Add(await RunAsync($"shard{i}", "--shard", $"{i}/3"));
            }

            var (unsharded, tookUnsharded) = await RunAsync("unsharded");
            var mergedPath = Path.Combine(root.FullName, "merged.json");
            using (var merge = CliProcess.Start(["merge", "--out", mergedPath, .. Enumerable.Range(1, 3).Select(i => Path.Combine(root.FullName, $"shard{i}", "compatibility"))]))
            {
                Assert.That(await merge.WaitForExitAsync(TimeSpan.FromMinutes(2), cancellationToken), Is.Zero, merge.Output);
            }

            var merged = CompatibilityReport.Load(mergedPath);
            BootEnvironment.Log($"shards: {string.Join(", ", shards.Select((s, i) => $"{i + 1}/3 {s.Report.Cells.Count} cells in {s.Took.TotalSeconds:0} s"))}; unsharded {unsharded.Cells.Count} cells in {tookUnsharded.TotalSeconds:0} s; merged {merged.Cells.Count}");

            static Dictionary<string, string> Verdicts(CompatibilityReport report) =>
                report.Cells.ToDictionary(c => c.Cell.Id, c => $"{AxisNames.Of(c.Verdict.Kind)} {c.Verdict.Signature}", StringComparer.Ordinal);
            Assert.Multiple(() =>
            {
                Assert.That(unsharded.Cells, Is.Not.Empty);
                Assert.That(shards.All(s => s.Report.Cells.Count > 0), Is.True, "every shard has cells");
                Assert.That(shards.Sum(s => s.Report.Cells.Count), Is.EqualTo(unsharded.Cells.Count), "the shards hold the selection once");
                Assert.That(Verdicts(merged), Is.EquivalentTo(Verdicts(unsharded)), "merged shards = the unsharded run, cell for cell");
                Assert.That(merged.Missing, Is.EquivalentTo(unsharded.Missing), "the same cells of the matrix left undecided");
            });
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }
}
