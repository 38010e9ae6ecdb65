using SystemdMatrix.Engines;
using SystemdMatrix.Images;
using SystemdMatrix.Local;
using SystemdMatrix.Matrix;
using SystemdMatrix.Model;
using SystemdMatrix.Reporting;
using SystemdMatrix.Runs;

namespace SystemdMatrix.BootTests.Local;

/// <summary>
/// A matrix pointed at a local engine (<c>run --host local</c>): a sandbox engine treated as the user's own gives,
/// cell for cell, the verdicts the sandbox's own published run gives, runs under the engine's one profile, skips
/// what could write the host without the opt-in, and leaves no container behind.
/// </summary>
[NonParallelizable]
public sealed class LocalRunTests
{
    [Test]
    [CancelAfter(900_000)]
    public async Task The_smoke_matrix_on_a_local_engine_gives_the_sandboxs_published_verdicts(CancellationToken cancellationToken)
    {
        await using var engine = await SandboxEngine.StartAsync(new SandboxEngineOptions(DaemonProfile.Default, "local run test"), BootEnvironment.Log, cancellationToken);
        var artifacts = Directory.CreateTempSubdirectory("smx-local-run-");
        try
        {
            var run = new MatrixRun(BootEnvironment.Layout with { Artifacts = artifacts.FullName }, new ImageCache(ImageCache.DefaultRoot), BootEnvironment.Log);
            var report = await run.RunAsync(
                new MatrixRunOptions("smoke")
                {
                    Selector = new CellSelector(["image=debian-bookworm", "daemon=default", "tmpfs=on"], []),
                    LocalEngine = new LocalEngineAddress(engine.Paths.Socket, "the test's sandbox engine"),
                    AllowHostWrites = BootEnvironment.AllowHostWrites,
                    Fresh = true,
                },
                cancellationToken);

            var published = CommittedReports.Load(BootEnvironment.Layout).Single(r => r.Matrix == "smoke").Cells
                .Where(c => c.Cell.Image == "debian-bookworm" && c.Cell.Daemon.Name == "default" && c.Cell.Run.Tmpfs)
                .ToDictionary(c => c.Cell.Run.Key, StringComparer.Ordinal);
            var ran = report.Cells.Where(c => c.Verdict.Kind is not (VerdictKind.Skipped or VerdictKind.NotApplicable)).ToList();
            Assert.Multiple(() =>
            {
                Assert.That(report.Matrix, Is.EqualTo("smoke-local"));
                Assert.That(report.Cells, Has.Count.EqualTo(published.Count), "each configuration once: the engine's one profile");
                Assert.That(report.Cells.Select(c => c.Cell.Id), Has.All.StartWith("local/debian-bookworm/local/"));
                Assert.That(report.Cells.Select(c => c.Host!.Kind), Has.All.EqualTo(HostKind.Local));
                Assert.That(ran, Is.Not.Empty);
                foreach (var cell in ran)
                {
                    Assert.That(VerdictComparison.Essence(cell.Verdict with { HostWrites = [] }), Is.EqualTo(VerdictComparison.Essence(published[cell.Cell.Run.Key].Verdict with { HostWrites = [] })), cell.Cell.Id);
                }

                var skipped = report.Cells.Where(c => c.Verdict.Kind == VerdictKind.Skipped).ToList();
                Assert.That(skipped, BootEnvironment.AllowHostWrites ? Is.Empty : Is.Not.Empty);
                Assert.That(skipped.Select(c => c.Verdict.Message), Has.All.StartWith("skipped on a local engine: needs --allow-host-writes"));
                Assert.That(File.Exists(Path.Combine(artifacts.FullName, "compatibility", "smoke-local.md")));
            });

            var left = await new DockerCli(engine.Endpoint).RunCheckedAsync(["ps", "-aq"], cancellationToken: cancellationToken);
            Assert.That(left.StandardOutput.Trim(), Is.Empty, "every container the run made is gone");
        }
        finally
        {
            artifacts.Delete(recursive: true);
        }
    }
}
