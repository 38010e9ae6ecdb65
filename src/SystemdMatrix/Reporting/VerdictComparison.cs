using SystemdMatrix.Model;
using SystemdMatrix.Results;

namespace SystemdMatrix.Reporting;

/// <summary>One cell whose verdict is not the same in every run compared.</summary>
public sealed record VerdictFlip(string CellId, IReadOnlyList<string> Verdicts);

/// <summary>
/// Compares the verdicts of several runs of the same cells: a cell flips when its verdict, signature, system state or
/// what it wrote of the host's cgroup tree is not the same in all of them. Cells missing from a run are listed apart.
/// What a cell does on an unused host (<see cref="Verdict.OnUnusedHost"/>) is another measurement and not compared.
/// </summary>
public static class VerdictComparison
{
    /// <summary>What a verdict is for comparison: kind, signature or state, and what it wrote of the host's tree.</summary>
    public static string Essence(Verdict verdict) => verdict.Kind switch
    {
        VerdictKind.Booted => $"booted ({verdict.SystemState}){Wrote(verdict)}",
        VerdictKind.Failed => $"failed: {verdict.Signature}{Wrote(verdict)}",
        VerdictKind.EngineRefused => "engine-refused",
        VerdictKind.Skipped => "skipped",
        _ => AxisNames.Of(verdict.Kind),
    };

    private static string Wrote(Verdict verdict) => verdict.HostWrites.Count > 0 ? $" wrote {string.Join(", ", verdict.HostWrites)}" : string.Empty;

    public static (IReadOnlyList<VerdictFlip> Flips, IReadOnlyList<string> Missing, int Compared) Compare(IReadOnlyList<IReadOnlyList<CellRecord>> runs)
    {
        var byRun = runs.Select(rows => rows.GroupBy(r => r.Cell.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal)).ToList();
        var all = byRun.SelectMany(r => r.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var missing = all.Where(id => byRun.Any(r => !r.ContainsKey(id))).ToList();
        var flips = all.Except(missing)
            .Select(id => new VerdictFlip(id, byRun.Select(r => Essence(r[id].Verdict)).ToList()))
            .Where(f => f.Verdicts.Distinct(StringComparer.Ordinal).Count() > 1)
            .ToList();
        return (flips, missing, all.Count - missing.Count);
    }
}
