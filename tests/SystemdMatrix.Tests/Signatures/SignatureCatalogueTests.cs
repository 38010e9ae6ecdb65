using SystemdMatrix.Boot;
using SystemdMatrix.Signatures;

namespace SystemdMatrix.Tests.Signatures;

/// <summary>Each signature is checked against a console capture from a real boot that fails that way.</summary>
public sealed class SignatureCatalogueTests
{
    private static readonly SignatureCatalogue Catalogue = SignatureCatalogue.Default;

    [TestCase("bookworm-hybrid-private-nomount-cgroup-readonly.log", "cgroup-readonly", "Failed to create /init.scope control group: Read-only file system")]
    [TestCase("seed-report-v2-rw-cgroup-readonly.log", "cgroup-readonly", "Failed to create /init.scope control group: Read-only file system")]
    [TestCase("bookworm-hybrid-host-nomount-cgroup-missing.log", "cgroup-missing", "Failed to create /docker/<id>/init.scope control group: No such file or directory")]
    [TestCase("bookworm-hybrid-notmpfs-run-not-tmpfs.log", "run-not-tmpfs", "Failed to mount tmpfs at /run: Operation not permitted")]
    [TestCase("bookworm-hybrid-private-emptydir-cgroup-mount-denied.log", "cgroup-mount-denied", "Failed to mount cgroup at /sys/fs/cgroup/systemd: Operation not permitted")]
    public void Real_failure_logs_are_classified_with_their_decisive_line(string log, string signature, string decisive)
    {
        var lines = BootLog.Lines(File.ReadAllText(Repo.LogFile(log)));

        var match = Catalogue.Classify(lines);

        Assert.That(match, Is.Not.Null, $"{log} matched no signature");
        Assert.That(match!.Signature.Id, Is.EqualTo(signature));
        Assert.That(match.Lines[0], Is.EqualTo(decisive));
    }

    [Test]
    public void A_successful_boot_matches_no_failure_signature()
    {
        var lines = BootLog.Lines(File.ReadAllText(Repo.LogFile("bookworm-hybrid-seed1-booted.log")));

        Assert.That(Catalogue.Classify(lines), Is.Null);
    }

    [Test]
    public void Every_signature_explains_itself_and_ranks_at_least_one_fix()
    {
        Assert.That(Catalogue.Signatures, Is.Not.Empty);
        foreach (var signature in Catalogue.Signatures)
        {
            Assert.That(signature.Explanation.Length, Is.GreaterThan(40), signature.Id);
            Assert.That(signature.Fixes, Is.Not.Empty, signature.Id);
        }
    }

    [Test]
    public void The_seed_reports_explanation_of_cgroup_readonly_names_the_v2_cause_and_the_reports_fix()
    {
        var readonlySignature = Catalogue.Find("cgroup-readonly")!;

        Assert.That(readonlySignature.Explanation, Does.Contain("cgroup v2"));
        Assert.That(readonlySignature.Fixes.Select(f => f.Change), Has.Some.Contains("--cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw"));
    }

    [Test]
    public void Catalogue_errors_are_all_reported_with_the_field()
    {
        const string json = """
            { "signatures": [
              { "id": "a", "title": "t", "patterns": ["("], "explanation": "", "fixes": [] },
              { "id": "a", "title": "t", "patterns": ["x"], "explanation": "long enough explanation", "fixes": [ { "change": "c", "why": "w" } ] }
            ] }
            """;

        var ex = Assert.Throws<InvalidDataException>(() => SignatureCatalogue.Parse(json, "sig.json"));

        Assert.That(ex!.Message, Does.Contain("sig.json: signatures[0].explanation is missing"));
        Assert.That(ex.Message, Does.Contain("sig.json: signatures[0].fixes is empty"));
        Assert.That(ex.Message, Does.Contain("'(' is not a valid regular expression"));
        Assert.That(ex.Message, Does.Contain("signature id 'a' appears 2 times"));
    }
}
