using System.Globalization;
using System.Text;
using SystemdMatrix.Model;
using SystemdMatrix.Results;

namespace SystemdMatrix.Reporting;

/// <summary>How a cell's verdict moved from an older set of results to a newer one.</summary>
public enum ChangeKind
{
    /// <summary>It booted and no longer does, or it booted in isolation and now writes the host's cgroup tree.</summary>
    Regression,

    /// <summary>The reverse: it boots now, or boots without writing the host's tree.</summary>
    Improvement,

    /// <summary>As good as before, but otherwise different (another signature, state or host writes).</summary>
    Other,
}

/// <summary>One cell whose verdict differs between the older and the newer results.</summary>
public sealed record VerdictChange(string CellId, ChangeKind Kind, string Before, string After);

/// <summary>
/// <c>report --against OLDER.json</c>: the cells whose verdict changed between published results and a newer run,
/// regressions first. A cell is only compared where both sides measured systemd (booted, failed or refused by the
/// engine); cells one side did not measure (not applicable, skipped, broken, missing) are counted apart, since they
/// say nothing about the configuration.
/// </summary>
public sealed record VerdictChanges(IReadOnlyList<VerdictChange> Changes, int Compared, IReadOnlyList<string> NotCompared)
{
    public IEnumerable<VerdictChange> Regressions => Changes.Where(c => c.Kind == ChangeKind.Regression);

    public static VerdictChanges Between(IReadOnlyList<CellRecord> older, IReadOnlyList<CellRecord> newer)
    {
        var before = older.GroupBy(r => r.Cell.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Verdict, StringComparer.Ordinal);
        var after = newer.GroupBy(r => r.Cell.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Verdict, StringComparer.Ordinal);
        var ids = before.Keys.Union(after.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var changes = new List<VerdictChange>();
        var notCompared = new List<string>();
        var compared = 0;
        foreach (var id in ids)
        {
            if (!before.TryGetValue(id, out var old) || !after.TryGetValue(id, out var now) || Rank(old) is null || Rank(now) is null)
            {
                notCompared.Add(id);
                continue;
            }

            compared++;
            var (was, @is) = (VerdictComparison.Essence(old), VerdictComparison.Essence(now));
            if (was == @is)
            {
                continue;
            }

            var kind = Rank(now) < Rank(old) ? ChangeKind.Regression : Rank(now) > Rank(old) ? ChangeKind.Improvement : ChangeKind.Other;
            changes.Add(new VerdictChange(id, kind, was, @is));
        }

        return new VerdictChanges([.. changes.OrderBy(c => c.Kind).ThenBy(c => c.CellId, StringComparer.Ordinal)], compared, notCompared);
    }

    /// <summary>Booted without writing the host's tree (2) beats booted by writing it (1) beats not booting (0); null when nothing about systemd was measured.</summary>
    private static int? Rank(Verdict verdict) => verdict.Kind switch
    {
        VerdictKind.Booted => verdict.HostWrites.Count == 0 ? 2 : 1,
        VerdictKind.Failed or VerdictKind.EngineRefused => 0,
        _ => null,
    };

    /// <summary>The change list as a person reads it: regressions first, then improvements, then other changes, then the counts.</summary>
    public string Describe(string olderName, string newerName)
    {
        var text = new StringBuilder();
        foreach (var change in Changes)
        {
            var label = change.Kind switch
            {
                ChangeKind.Regression => "REGRESSION",
                ChangeKind.Improvement => "improved",
                _ => "changed",
            };
            text.Append(CultureInfo.InvariantCulture, $"{label} {change.CellId}: {change.Before} -> {change.After}\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"{Compared} cells compared ({newerName} against {olderName}): {Regressions.Count()} regressions, {Changes.Count(c => c.Kind == ChangeKind.Improvement)} improvements, {Changes.Count(c => c.Kind == ChangeKind.Other)} other changes");
        if (NotCompared.Count > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"; {NotCompared.Count} not measured on both sides (not applicable, skipped, broken or missing), e.g. {string.Join(", ", NotCompared.Take(3))}");
        }

        return text.Append('\n').ToString();
    }
}
