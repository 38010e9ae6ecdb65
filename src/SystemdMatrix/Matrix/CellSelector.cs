using SystemdMatrix.Model;

namespace SystemdMatrix.Matrix;

/// <summary>
/// Narrows a matrix to some of its cells: by image, by axis value (<c>cgroupns=host</c>, <c>mount=rw</c>,
/// <c>privilege=none</c>, <c>tmpfs=off</c>, <c>daemon=default</c>, <c>image=debian-bookworm</c>) or by a piece of the
/// cell's id or alias, or by exact ids (<c>--cells-from FILE</c>: what a report lists as missing, say). Several values
/// of one axis are alternatives; different axes must all match.
/// </summary>
public sealed record CellSelector(IReadOnlyList<string> Where, IReadOnlyList<string> Names)
{
    /// <summary>Only cells with exactly these ids (none: no such narrowing).</summary>
    public IReadOnlyList<string> Ids { get; init; } = [];

    /// <summary>Only this shard of what the rest selects (<see cref="CellShards"/>), or every cell.</summary>
    public ShardSpec? Shard { get; init; }

    public static CellSelector All { get; } = new([], []);

    public static readonly IReadOnlyList<string> Axes = ["host", "image", "daemon", "cgroupns", "mount", "privilege", "tmpfs", "remedy"];

    /// <summary>The selection as one stable text (empty for all cells): runs of the same selection resume each other.</summary>
    public string Canonical =>
        string.Join(' ', [.. Where.Order(StringComparer.Ordinal).Select(w => "where:" + w), .. Names.Order(StringComparer.Ordinal).Select(n => "cell:" + n), .. Ids.Order(StringComparer.Ordinal).Select(n => "id:" + n), .. (Shard is null ? Array.Empty<string>() : ["shard:" + Shard])]);

    /// <summary>Every problem with the <c>axis=value</c> terms, at once.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        foreach (var term in Where)
        {
            var parts = term.Split('=', 2);
            if (parts.Length != 2 || !Axes.Contains(parts[0]))
            {
                problems.Add($"--where {term}: expected AXIS=VALUE with AXIS one of {string.Join(", ", Axes)}");
                continue;
            }

            var known = parts[0] switch
            {
                "cgroupns" => AxisNames.Names<CgroupnsMode>(),
                "mount" => AxisNames.Names<CgroupMount>(),
                "privilege" => AxisNames.Names<Privilege>(),
                "remedy" => AxisNames.Names<Remedy>(),
                "tmpfs" => ["on", "off"],
                _ => null,
            };
            if (known is not null && !known.Contains(parts[1]))
            {
                problems.Add($"--where {term}: unknown {parts[0]} '{parts[1]}' (known: {string.Join(", ", known)})");
            }
        }

        return problems;
    }

    public bool Selects(Cell cell)
    {
        var terms = Where.Select(t => t.Split('=', 2)).Where(p => p.Length == 2).GroupBy(p => p[0], p => p[1]);
        foreach (var axis in terms)
        {
            var value = axis.Key switch
            {
                "host" => cell.Host.Name,
                "image" => cell.Image,
                "daemon" => cell.Daemon.Name,
                "cgroupns" => AxisNames.Of(cell.Run.Cgroupns),
                "mount" => AxisNames.Of(cell.Run.CgroupMount),
                "privilege" => AxisNames.Of(cell.Run.Privilege),
                "tmpfs" => cell.Run.Tmpfs ? "on" : "off",
                "remedy" => AxisNames.Of(cell.Run.Remedy),
                _ => null,
            };
            if (value is null || !axis.Contains(value))
            {
                return false;
            }
        }

        if (Ids.Count > 0 && !Ids.Contains(cell.Id, StringComparer.Ordinal))
        {
            return false;
        }

        return Names.Count == 0 || Names.Any(n => cell.Id.Contains(n, StringComparison.Ordinal) || cell.Aliases.Contains(n));
    }
}
