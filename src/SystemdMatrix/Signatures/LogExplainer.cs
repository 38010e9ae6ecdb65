using System.Text;
using System.Text.RegularExpressions;
using SystemdMatrix.Boot;
using SystemdMatrix.Results;

namespace SystemdMatrix.Signatures;

/// <summary>What <c>explain</c> made of its input.</summary>
public enum ExplainOutcome
{
    /// <summary>A known signature: cause, axis, explanation and ranked fixes.</summary>
    Explained,

    /// <summary>A systemd boot log that no signature of the catalogue matches.</summary>
    Unknown,

    /// <summary>Nothing (or only white space) to read.</summary>
    Empty,

    /// <summary>Not text.</summary>
    Binary,

    /// <summary>Text, but nothing in it looks like systemd booting or failing to.</summary>
    NotABootLog,
}

/// <summary>One recommended fix, in the catalogue's order (least privilege first), with what the measured cells say of it.</summary>
public sealed record RankedFix(int Rank, Fix Fix, FixEvidence Evidence);

/// <summary>The answer for a pasted log: what it is, and for a known signature the match and the fixes.</summary>
public sealed record LogExplanation(ExplainOutcome Outcome, string Message, SignatureMatch? Match, IReadOnlyList<RankedFix> Fixes)
{
    public bool IsExplained => Outcome == ExplainOutcome.Explained;
}

/// <summary>
/// Names the failure in a boot log as pasted (colour codes, <c>docker logs</c> output, a single quoted line): the
/// signature, the axis responsible, why it happens, and the fixes ranked by privilege, each with the measured cells
/// that back it (from the committed reference results) or marked unverified.
/// </summary>
public static partial class LogExplainer
{
    public static LogExplanation Explain(string raw, SignatureCatalogue catalogue, IReadOnlyList<CellRecord> results)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return new LogExplanation(ExplainOutcome.Empty, "the input is empty: paste a container's boot log (docker logs NAME) or one line of it", null, []);
        }

        if (LooksBinary(raw))
        {
            return new LogExplanation(ExplainOutcome.Binary, "the input is not text: paste a container's boot log (docker logs NAME), not a binary file", null, []);
        }

        var lines = BootLog.Lines(BootLog.Normalise(raw));
        if (catalogue.Classify(lines) is { } match)
        {
            var fixes = match.Signature.Fixes.Select((fix, i) => new RankedFix(i + 1, fix, FixEvidence.Weigh(match.Signature, fix, results))).ToList();
            return new LogExplanation(ExplainOutcome.Explained, match.Signature.Title, match, fixes);
        }

        return lines.Any(l => SystemdWords().IsMatch(l))
            ? new LogExplanation(ExplainOutcome.Unknown, "a systemd log, but no known failure signature matches it (see matrix/signatures.json; a new one is worth a report)", null, [])
            : new LogExplanation(ExplainOutcome.NotABootLog, "this does not look like a systemd boot log: nothing in it is systemd starting, failing or reaching a target", null, []);
    }

    /// <summary>
    /// The explanation as a person reads it on a terminal; <paramref name="rowOf"/> names where a backing cell's row is
    /// (the committed page's <c>#cell=</c> link), when known.
    /// </summary>
    public static string Render(LogExplanation explanation, Func<string, string?>? rowOf = null)
    {
        if (explanation.Match is not { } match)
        {
            return explanation.Message;
        }

        var signature = match.Signature;
        var text = new StringBuilder();
        text.Append("cause: ").Append(signature.Id).Append(": ").Append(signature.Title).Append('\n');
        foreach (var line in match.Lines)
        {
            text.Append("  matched: ").Append(line).Append('\n');
        }

        text.Append("axis: ").Append(signature.Axis).Append('\n');
        text.Append("why: ").Append(signature.Explanation).Append('\n');
        text.Append("fixes, least privilege first:\n");
        foreach (var (rank, fix, evidence) in explanation.Fixes)
        {
            text.Append("  ").Append(rank).Append(". ").Append(fix.Text).Append('\n');
            text.Append("     ").Append(fix.Why).Append('\n');
            text.Append("     ").Append(Backing(evidence)).Append('\n');
            if (evidence.Refutations.Count == 0 && evidence.Proof.Count > 0 && rowOf?.Invoke(evidence.Proof[0].Cell.Id) is { } row)
            {
                text.Append("     row: ").Append(row).Append('\n');
            }
        }

        return text.ToString().TrimEnd();
    }

    /// <summary>What the measured cells say of a fix, in one line.</summary>
    public static string Backing(FixEvidence evidence)
    {
        if (evidence.Fix.ProvenBy is null)
        {
            return "no measured cell backs it";
        }

        if (evidence.Refutations.Count > 0)
        {
            var (_, refuted) = evidence.Refutations[0];
            return $"refuted by {evidence.Refutations.Count} measured cells, e.g. {refuted.Cell.Id} ({refuted.Verdict.Label})";
        }

        if (evidence.Proof.Count == 0)
        {
            return evidence.Unavailable.Count > 0
                ? $"no committed reference cell shows it yet; refused by the engine in {evidence.Unavailable.Count} cells, e.g. {evidence.Unavailable[0].Cell.Id}: {evidence.Unavailable[0].Verdict.Message}"
                : "no committed reference cell shows it yet";
        }

        var hosts = evidence.Proof.Where(p => p.Host is not null).Select(p => p.Host!).Select(h => $"Docker {h.EngineVersion.Split('+')[0]} on cgroup {Model.AxisNames.Of(h.CgroupMode)}").Distinct().ToList();
        return $"works in {evidence.Proof.Count} measured cells where this failure occurs ({string.Join(", ", hosts.Take(4))}{(hosts.Count > 4 ? ", ..." : string.Empty)}), e.g. {evidence.Proof[0].Cell.Id}: docker run {string.Join(' ', evidence.Proof[0].Reproduce.Skip(2))}";
    }

    private static bool LooksBinary(string raw)
    {
        if (raw.Contains('\0', StringComparison.Ordinal))
        {
            return true;
        }

        var control = raw.Count(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t' or '\u001b'));
        return control > raw.Length / 10;
    }

    [GeneratedRegex(@"systemd|Welcome to|Reached target|control group|cgroup|Exiting PID 1|Failed to (mount|allocate|create|start)|Detected (virtualization|architecture)|Set hostname", RegexOptions.IgnoreCase)]
    private static partial Regex SystemdWords();
}
