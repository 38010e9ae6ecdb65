using System.Net;
using SystemdMatrix.Boot;
using SystemdMatrix.Model;
using SystemdMatrix.Signatures;

namespace SystemdMatrix.Tests.Boot;

public sealed class VerdictClassifierTests
{
    private static readonly VerdictClassifier Classifier = new(SignatureCatalogue.Default);

    [TestCase("seed-report-v2-rw-cgroup-readonly.log", "cgroup-readonly")]
    [TestCase("bookworm-hybrid-notmpfs-run-not-tmpfs.log", "run-not-tmpfs")]
    [TestCase("forky-hybrid-private-rw-cgroup-v1-unsupported.log", "cgroup-v1-unsupported")]
    public void An_exit_is_named_by_the_signature_its_recorded_log_shows(string log, string signature)
    {
        var verdict = Classifier.Exited(BootLog.Normalise(File.ReadAllText(Repo.LogFile(log))), 255);

        Assert.That((verdict.Kind, verdict.Signature, verdict.ExitCode), Is.EqualTo((VerdictKind.Failed, signature, 255L)));
        Assert.That(verdict.DecisiveLines, Is.Not.Empty);
    }

    [Test]
    public void An_exit_no_signature_knows_is_unknown_with_its_last_lines()
    {
        var verdict = Classifier.Exited("one\ntwo\nthree\nfour\n", 1);

        Assert.That(verdict.Signature, Is.EqualTo(SignatureCatalogue.Unknown));
        Assert.That(verdict.DecisiveLines, Is.EqualTo(new[] { "two", "three", "four" }));
    }

    [Test]
    public void A_hang_keeps_the_last_lines_and_a_silent_systemctl_says_so()
    {
        Assert.That(VerdictClassifier.Hung("a\nb\nc\nd").DecisiveLines, Is.EqualTo(new[] { "b", "c", "d" }));
        Assert.That(VerdictClassifier.NeverSettled().Signature, Is.EqualTo(SignatureCatalogue.Hung));
    }

    [Test]
    public void A_refused_configuration_is_a_verdict_and_a_broken_engine_is_retried()
    {
        var refused = VerdictClassifier.Refusal(HttpStatusCode.BadRequest, VerdictClassifier.EngineMessage("""{"message":"invalid --security-opt 2: \"writable-cgroups=true\""}"""));
        var lostImage = VerdictClassifier.Refusal(HttpStatusCode.NotFound, "No such image: smx/x:1");
        var down = VerdictClassifier.Refusal(HttpStatusCode.InternalServerError, "dial unix /run/x.sock: connection refused");

        Assert.That(refused.Kind, Is.EqualTo(VerdictKind.EngineRefused));
        Assert.That(refused.Message, Is.EqualTo("invalid --security-opt 2: \"writable-cgroups=true\""));
        Assert.That(lostImage.Kind, Is.EqualTo(VerdictKind.InfrastructureError));
        Assert.That(down.Kind, Is.EqualTo(VerdictKind.InfrastructureError));
        Assert.That(VerdictClassifier.EngineMessage("plain text body\n"), Is.EqualTo("plain text body"));
        Assert.That(VerdictClassifier.EngineMessage("[1]"), Is.EqualTo("[1]"), "JSON that is not an error object is the message itself");
    }
}
