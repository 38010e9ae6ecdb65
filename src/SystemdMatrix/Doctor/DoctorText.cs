using System.Globalization;
using System.Text;

namespace SystemdMatrix.Doctor;

/// <summary><c>doctor</c>'s answer as a person reads it, and as the document <c>--json</c> writes.</summary>
public static class DoctorText
{
    public static string Render(DoctorReport report)
    {
        var text = new StringBuilder();
        text.Append("engine: ").Append(report.Engine).Append('\n');
        text.Append("host: ").Append(report.EngineDescription).Append('\n');
        text.Append("host class: ").Append(report.HostClass.Description).Append('\n');
        text.Append("image: ").Append(report.Image).Append('\n');
        text.Append('\n');
        if (report.Working is { } working)
        {
            text.Append("works: ").Append(working.DockerRun(report.Image)).Append('\n');
            text.Append("  ").Append(report.Confirmation).Append('\n');
            if (working.Verdict is { HostWrites.Count: > 0 } wrote)
            {
                text.Append("  it wrote your host's cgroup tree outside its own (put back afterwards): ").Append(wrote.HostWrites[0])
                    .Append(wrote.HostWrites.Count > 1 ? $" and {wrote.HostWrites.Count - 1} more" : string.Empty).Append('\n');
            }
            text.Append("\nCompose:\n").Append(report.Snippets!.Compose.TrimEnd()).Append('\n');
            if (report.Snippets.DaemonNote is { } note)
            {
                text.Append("daemon: ").Append(note).Append('\n');
            }
        }
        else
        {
            text.Append("nothing boots: no candidate reached multi-user.target on this engine").Append('\n');
        }

        var weaker = report.Probes.TakeWhile(p => p.Outcome != ProbeOutcome.Booted).ToList();
        if (weaker.Count > 0)
        {
            text.Append(report.Working is null ? "\nwhat each candidate did, least privilege first:\n" : "\nless privileged configurations, and what stopped each:\n");
            foreach (var probe in weaker)
            {
                text.Append(CultureInfo.InvariantCulture, $"  {probe.Rank}. {probe.Flags}: {Label(probe.Outcome)}\n     {probe.Why}\n");
            }
        }

        var skipped = report.Probes.Where(p => p.Outcome == ProbeOutcome.Skipped).ToList();
        if (skipped.Count > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n{skipped.Count} candidate{(skipped.Count == 1 ? " was" : "s were")} skipped because {(skipped.Count == 1 ? "it" : "they")} can write your host's cgroup tree; {Isolation.HostWriteClassifier.OptIn} tries them (on a host you can throw away)\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"\n{report.Probes.Count(p => p.Outcome is ProbeOutcome.Booted or ProbeOutcome.Failed or ProbeOutcome.EngineRefused or ProbeOutcome.Broken)} probes in {report.Seconds:0.0} s");
        return text.ToString();
    }

    /// <summary>The same as a JSON-serialisable document.</summary>
    public static object Document(DoctorReport report) => new
    {
        engine = report.Engine,
        host = report.Host,
        hostDescription = report.EngineDescription,
        hostClass = new { matches = report.HostClass.Hosts, description = report.HostClass.Description },
        image = report.Image,
        works = report.Working is { } w ? new
        {
            run = w.Cell.Run,
            dockerRun = w.DockerRun(report.Image),
            compose = report.Snippets!.Compose,
            daemon = report.Snippets.DaemonNote,
            confirmation = report.Confirmation,
            hostWrites = w.Verdict?.HostWrites ?? [],
        } : null,
        probes = report.Probes.Select(p => new
        {
            rank = p.Rank,
            run = p.Cell.Run,
            flags = p.Flags,
            outcome = Label(p.Outcome),
            signature = p.Verdict?.Signature,
            why = p.Why,
            seconds = Math.Round(p.Seconds, 2),
        }),
        seconds = Math.Round(report.Seconds, 1),
    };

    private static string Label(ProbeOutcome outcome) => outcome switch
    {
        ProbeOutcome.Booted => "booted",
        ProbeOutcome.Failed => "failed",
        ProbeOutcome.EngineRefused => "refused by the engine",
        ProbeOutcome.Broken => "broken probe",
        ProbeOutcome.NotApplicable => "not applicable",
        ProbeOutcome.Skipped => "skipped",
        _ => "not tried",
    };
}
