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
    [TestCase("seed-replica-hybrid-default-nomount-cgroup-mount-denied.log", "cgroup-mount-denied", "Failed to mount cgroup at /sys/fs/cgroup/systemd: Operation not permitted")]
    [TestCase("seed-replica-hybrid-private-sysadmin-cgroup-undetectable.log", "cgroup-undetectable", "Cannot determine cgroup we are running in: No medium found")]
    [TestCase("forky-hybrid-private-rw-cgroup-v1-unsupported.log", "cgroup-v1-unsupported", "Detected cgroup v1 hierarchy at /sys/fs/cgroup/, which is no longer supported by current version of systemd.")]
    [TestCase("trixie-hybrid-notmpfs-run-not-tmpfs.log", "run-not-tmpfs", "Failed to mount tmpfs (type tmpfs) on /run (MS_NOSUID|MS_NODEV|MS_STRICTATIME \"mode=0755,size=20%,nr_inodes=800k\"): Operation not permitted")]
    [TestCase("bookworm-hybrid-userns-remap-private-cgroup-permission-denied.log", "cgroup-permission-denied", "Failed to create /init.scope control group: Permission denied")]
    [TestCase("bullseye-hybrid-host-sysadmin-cgroup-missing.log", "cgroup-missing", "Failed to open pin file: No such file or directory")]
    [TestCase("trixie-v2-host-rw-sysadmin-generator-sandbox-failed.log", "generator-sandbox-failed", "Failed to fork off sandboxing environment for executing generators: Protocol error")]
    public void Real_failure_logs_are_classified_with_their_decisive_line(string log, string signature, string decisive)
    {
        var lines = BootLog.Lines(File.ReadAllText(Repo.LogFile(log)));

        var match = Catalogue.Classify(lines);

        Assert.That(match, Is.Not.Null, $"{log} matched no signature");
        Assert.That(match!.Signature.Id, Is.EqualTo(signature));
        Assert.That(match.Lines[0], Is.EqualTo(decisive));
    }

    [Test]
    public void Every_signature_with_patterns_is_exercised_by_a_real_log()
    {
        var logs = Directory.EnumerateFiles(Path.Combine(TestContext.CurrentContext.TestDirectory, "Logs"), "*.log")
            .Select(f => Catalogue.Classify(BootLog.Lines(File.ReadAllText(f)))?.Signature.Id)
            .OfType<string>()
            .ToHashSet();

        // bus-unavailable comes from systemctl rather than the console; hung has no pattern by nature.
        var untested = Catalogue.Signatures.Where(s => s.Patterns.Count > 0 && s.Id != "bus-unavailable").Select(s => s.Id).Except(logs);

        Assert.That(untested, Is.Empty, "add a real console capture to tests/SystemdMatrix.Tests/Logs for these");
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
