using System.Net;
using System.Text.Json;
using Docker.DotNet;
using SystemdMatrix.Model;
using SystemdMatrix.Signatures;

namespace SystemdMatrix.Boot;

/// <summary>
/// What the end of a boot means, apart from how the boot was run: an exit with its normalised log, an answer of
/// <c>systemctl is-system-running</c> that is neither running nor degraded, a hang, or the engine saying no. The
/// signature is the catalogue's first match; a failure it does not know is <c>unknown</c> with the last lines.
/// </summary>
public sealed class VerdictClassifier(SignatureCatalogue catalogue)
{
    /// <summary>The container exited before multi-user.target (or systemd stopped answering because it did).</summary>
    public Verdict Exited(string normalisedLog, long exitCode)
    {
        var lines = normalisedLog.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var match = catalogue.Classify(lines);
        return match is null
            ? Verdict.Failed(SignatureCatalogue.Unknown, exitCode, lines.TakeLast(3).ToList())
            : Verdict.Failed(match.Signature.Id, exitCode, match.Lines);
    }

    /// <summary>multi-user.target was reached but systemd's state is neither running nor degraded (e.g. <c>offline</c>).</summary>
    public Verdict NotRunning(string stdout, string stderr)
    {
        var lines = BootLog.Lines(stdout + "\n" + stderr);
        var match = catalogue.Classify(lines);
        return Verdict.Failed(match?.Signature.Id ?? SignatureCatalogue.Unknown, exitCode: null, match?.Lines ?? lines.Take(3).ToList());
    }

    /// <summary>Neither multi-user.target nor an exit within the boot timeout: the last lines say where it stopped.</summary>
    public static Verdict Hung(string normalisedLog) =>
        Verdict.Failed(SignatureCatalogue.Hung, exitCode: null, normalisedLog.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(3).ToList());

    /// <summary>multi-user.target was reached but <c>systemctl is-system-running --wait</c> never answered.</summary>
    public static Verdict NeverSettled() => Verdict.Failed(SignatureCatalogue.Hung, null, ["systemctl is-system-running --wait did not answer"]);

    /// <summary>
    /// The engine said no. A refusal of the configuration (runtime or validation error) is a verdict; an engine that
    /// lost the image or broke is an infrastructure error, to be retried.
    /// </summary>
    public static Verdict Refusal(DockerApiException ex) => Refusal(ex.StatusCode, EngineMessage(ex));

    public static Verdict Refusal(HttpStatusCode status, string message)
    {
        var infrastructure = status == HttpStatusCode.NotFound
                             || message.Contains("No such image", StringComparison.OrdinalIgnoreCase)
                             || message.Contains("connection refused", StringComparison.OrdinalIgnoreCase);
        return infrastructure ? Verdict.InfrastructureError(message) : Verdict.EngineRefused(message);
    }

    /// <summary>The engine's own message from an error response (its JSON <c>message</c>, or the body as is), normalised.</summary>
    public static string EngineMessage(DockerApiException ex) => EngineMessage(ex.ResponseBody ?? ex.Message);

    public static string EngineMessage(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("message", out var message) && message.GetString() is { } text)
            {
                return BootLog.NormaliseLine(text.Trim());
            }
        }
        catch (JsonException)
        {
        }

        return BootLog.NormaliseLine(body.Trim());
    }
}
