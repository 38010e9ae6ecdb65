using SystemdMatrix.Model;
using SystemdMatrix.Signatures;

namespace SystemdMatrix.Tests.Signatures;

public sealed class LogExplainerTests
{
    /// <summary>The founding report as it was posted (a copy of shared/seeds, kept with the tests).</summary>
    private static string SeedReport => File.ReadAllText(Path.Combine(Repo.Layout.Fixtures, "logs", "seed-report.txt"));

    private const string QuotedLine = "Failed to create /system.slice/docker-0be34b8ec5806b0760093e39dea35f4305262d276ecc5047a5f0ff43871ed6d0.scope/init.scope control group: Read-only file system";

    [Test]
    public void The_seed_reports_pasted_log_and_its_quoted_line_name_the_read_only_cgroup_and_a_fix_measured_to_work_on_cgroup_v2()
    {
        var results = CommittedResults.All();
        foreach (var input in new[] { SeedReport, QuotedLine, "\u001b[0;1;31m" + QuotedLine + "\u001b[0m" })
        {
            var explanation = LogExplainer.Explain(input, SignatureCatalogue.Default, results);

            Assert.That(explanation.Outcome, Is.EqualTo(ExplainOutcome.Explained));
            Assert.That(explanation.Match!.Signature.Id, Is.EqualTo("cgroup-readonly"));
            Assert.That(explanation.Fixes.Select(f => f.Rank), Is.Ordered);
            var onV2 = explanation.Fixes.Where(f => f.Evidence.Proven && f.Evidence.Proof.Any(p => p.Host?.CgroupMode == HostCgroupMode.V2)).ToList();
            Assert.That(onV2, Is.Not.Empty, "a fix the committed cells show booting on a cgroup v2 host where the signature occurs");
            Assert.That(LogExplainer.Render(explanation), Does.Contain("works in").And.Contain("docker run -it"));
            Assert.That(LogExplainer.Render(explanation, id => $"docs/compatibility/v2.html#cell={id}"), Does.Contain("     row: docs/compatibility/v2.html#cell="), "a backed fix points to its cell's row");
        }
    }

    [Test]
    public void Input_that_is_not_a_boot_log_gets_a_one_line_answer()
    {
        Assert.Multiple(() =>
        {
            Assert.That(LogExplainer.Explain("  \n", SignatureCatalogue.Default, []).Outcome, Is.EqualTo(ExplainOutcome.Empty));
            Assert.That(LogExplainer.Explain("\u007fELF\u0002\u0001\u0001\0\0\0\0", SignatureCatalogue.Default, []).Outcome, Is.EqualTo(ExplainOutcome.Binary));
            Assert.That(LogExplainer.Explain("hello world\nnothing to see", SignatureCatalogue.Default, []).Outcome, Is.EqualTo(ExplainOutcome.NotABootLog));
            Assert.That(LogExplainer.Explain("systemd 252 running in system mode\nFailed to frobnicate the flux capacitor", SignatureCatalogue.Default, []).Outcome, Is.EqualTo(ExplainOutcome.Unknown));
            Assert.That(LogExplainer.Render(LogExplainer.Explain("", SignatureCatalogue.Default, [])), Does.Not.Contain("\n"));
        });
    }

    [Test]
    public void A_fix_without_cells_says_so()
    {
        var explanation = LogExplainer.Explain("A start job is running for dev-ttyS0.device", SignatureCatalogue.Default, []);
        var hung = SignatureCatalogue.Default.Find("hung")!;
        var evidence = FixEvidence.Weigh(hung, hung.Fixes[0], []);

        Assert.That(LogExplainer.Backing(evidence), Is.EqualTo("no measured cell backs it"));
        Assert.That(hung.Fixes[0].Text, Does.StartWith("(unverified) "));
        Assert.That(explanation.Outcome, Is.Not.EqualTo(ExplainOutcome.Binary));
    }
}
