using System.Text.Json;
using System.Text.Json.Serialization;
using SystemdMatrix.Model;

namespace SystemdMatrix.Matrix;

/// <summary>A configuration quoted from a report: a run profile with the alias and the words it was quoted in.</summary>
public sealed record QuotedCell(string Alias, string Quote, RunProfile Run, string? Daemon);

/// <summary>A named matrix: which images, which daemon profiles, which values of each container axis, which quoted cells.</summary>
public sealed record NamedMatrix(
    string Name,
    string Description,
    IReadOnlyList<string> Images,
    IReadOnlyList<string> Daemons,
    IReadOnlyList<CgroupnsMode> Cgroupns,
    IReadOnlyList<CgroupMount> Mounts,
    IReadOnlyList<Privilege> Privileges,
    IReadOnlyList<bool> Tmpfs,
    bool IncludeSeed);

/// <summary>
/// <c>matrix/matrices.json</c>: daemon profiles, the seed report's configurations and the named matrices. Parsed with
/// every error reported at once, each naming the file and the field.
/// </summary>
public sealed record MatrixDefinition(
    string SourcePath,
    IReadOnlyDictionary<string, DaemonProfile> Daemons,
    IReadOnlyList<QuotedCell> Seed,
    IReadOnlyDictionary<string, NamedMatrix> Matrices)
{
    public NamedMatrix Find(string name) =>
        Matrices.TryGetValue(name, out var matrix)
            ? matrix
            : throw new MatrixException($"{SourcePath}: no matrix named '{name}' (known: {string.Join(", ", Matrices.Keys)})");

    /// <summary>
    /// Every cell of a matrix: the product of its axes for each image and daemon profile, plus the quoted cells.
    /// A quoted cell that coincides with a product cell is one cell carrying the alias, never two.
    /// </summary>
    public IReadOnlyList<Cell> Expand(NamedMatrix matrix)
    {
        var cells = new List<Cell>();
        var index = new Dictionary<Cell, int>();

        void Add(Cell cell)
        {
            if (index.TryGetValue(cell, out var at))
            {
                cells[at] = cells[at].WithAliases([.. cells[at].Aliases, .. cell.Aliases.Except(cells[at].Aliases)]);
                return;
            }

            index[cell] = cells.Count;
            cells.Add(cell);
        }

        foreach (var image in matrix.Images)
        {
            foreach (var daemonName in matrix.Daemons)
            {
                var daemon = Daemons[daemonName];
                if (matrix.IncludeSeed)
                {
                    foreach (var quoted in Seed.Where(q => q.Daemon is null || q.Daemon == daemonName))
                    {
                        Add(new Cell(image, daemon, quoted.Run, [quoted.Alias]));
                    }
                }

                foreach (var cgroupns in matrix.Cgroupns)
                {
                    foreach (var mount in matrix.Mounts)
                    {
                        foreach (var privilege in matrix.Privileges)
                        {
                            foreach (var tmpfs in matrix.Tmpfs)
                            {
                                Add(new Cell(image, daemon, new RunProfile(cgroupns, mount, privilege, tmpfs), []));
                            }
                        }
                    }
                }
            }
        }

        return cells;
    }

    public static MatrixDefinition Load(string path) =>
        File.Exists(path) ? Parse(File.ReadAllText(path), path) : throw new MatrixException($"{path}: the matrix definition does not exist");

    public static MatrixDefinition Parse(string json, string source)
    {
        MatrixFile? file;
        try
        {
            file = JsonSerializer.Deserialize<MatrixFile>(json, JsonOptions);
        }
        catch (JsonException ex)
        {
            var line = ex.LineNumber is { } l ? $" (line {l + 1})" : string.Empty;
            throw new MatrixException($"{source}{line}: malformed matrix definition: {ex.Message}");
        }

        if (file is null)
        {
            throw new MatrixException($"{source}: the matrix definition is empty");
        }

        var errors = new List<string>();
        var daemons = new Dictionary<string, DaemonProfile>(StringComparer.Ordinal);
        foreach (var (name, entry) in file.Daemons ?? [])
        {
            var at = $"{source}: daemons.{name}";
            var driver = ParseAxis(entry.CgroupDriver ?? "cgroupfs", $"{at}.cgroupDriver", errors, CgroupDriver.Cgroupfs);
            daemons[name] = new DaemonProfile(name, entry.UsernsRemap ?? false, driver, entry.CgroupParent);
        }

        if (daemons.Count == 0)
        {
            errors.Add($"{source}: daemons: no daemon profile is defined");
        }

        var seed = new List<QuotedCell>();
        for (var i = 0; i < (file.Seed ?? []).Count; i++)
        {
            var entry = file.Seed![i];
            var at = $"{source}: seed[{i}]";
            if (string.IsNullOrWhiteSpace(entry.Alias))
            {
                errors.Add($"{at}.alias is missing");
            }

            if (entry.Daemon is { } d && !daemons.ContainsKey(d))
            {
                errors.Add($"{at}.daemon: unknown daemon profile '{d}' (known: {string.Join(", ", daemons.Keys)})");
            }

            var run = ParseRun(entry.Cgroupns, entry.Mount, entry.Privilege, entry.Tmpfs, at, errors);
            seed.Add(new QuotedCell(entry.Alias ?? string.Empty, entry.Quote ?? string.Empty, run, entry.Daemon));
        }

        foreach (var duplicate in seed.GroupBy(s => s.Alias).Where(g => g.Count() > 1))
        {
            errors.Add($"{source}: seed: alias '{duplicate.Key}' is used {duplicate.Count()} times");
        }

        var matrices = new Dictionary<string, NamedMatrix>(StringComparer.Ordinal);
        foreach (var (name, entry) in file.Matrices ?? [])
        {
            var at = $"{source}: matrices.{name}";
            if ((entry.Images ?? []).Count == 0)
            {
                errors.Add($"{at}.images is empty");
            }

            var daemonNames = entry.Daemons is { Count: > 0 } names ? names : ["default"];
            foreach (var daemonName in daemonNames.Where(n => !daemons.ContainsKey(n)))
            {
                errors.Add($"{at}.daemons: unknown daemon profile '{daemonName}' (known: {string.Join(", ", daemons.Keys)})");
            }

            var axes = entry.Axes ?? new AxesEntry(null, null, null, null);
            matrices[name] = new NamedMatrix(
                name,
                entry.Description ?? string.Empty,
                entry.Images ?? [],
                daemonNames,
                ParseAxisList<CgroupnsMode>(axes.Cgroupns, $"{at}.axes.cgroupns", errors),
                ParseAxisList<CgroupMount>(axes.Mount, $"{at}.axes.mount", errors),
                ParseAxisList<Privilege>(axes.Privilege, $"{at}.axes.privilege", errors),
                ParseTmpfsList(axes.Tmpfs, $"{at}.axes.tmpfs", errors),
                entry.Seed ?? false);
        }

        return errors.Count > 0
            ? throw new MatrixException(string.Join('\n', errors))
            : new MatrixDefinition(source, daemons, seed, matrices);
    }

    private static RunProfile ParseRun(string? cgroupns, string? mount, string? privilege, bool? tmpfs, string at, List<string> errors) =>
        new(
            ParseAxis(cgroupns ?? "default", $"{at}.cgroupns", errors, CgroupnsMode.EngineDefault),
            ParseAxis(mount ?? "none", $"{at}.mount", errors, CgroupMount.None),
            ParseAxis(privilege ?? "none", $"{at}.privilege", errors, Privilege.None),
            tmpfs ?? true);

    private static T ParseAxis<T>(string value, string field, List<string> errors, T fallback)
        where T : struct, Enum
    {
        if (AxisNames.TryParse<T>(value, out var parsed))
        {
            return parsed;
        }

        errors.Add($"{field}: unknown value '{value}' (known: {string.Join(", ", AxisNames.Names<T>())})");
        return fallback;
    }

    private static IReadOnlyList<T> ParseAxisList<T>(IReadOnlyList<string>? values, string field, List<string> errors)
        where T : struct, Enum
    {
        if (values is null || values.Count == 0)
        {
            errors.Add($"{field} is empty: list at least one value (known: {string.Join(", ", AxisNames.Names<T>())})");
            return [];
        }

        return values.Select(v => ParseAxis(v, field, errors, default(T))).Distinct().ToList();
    }

    private static IReadOnlyList<bool> ParseTmpfsList(IReadOnlyList<string>? values, string field, List<string> errors)
    {
        if (values is null || values.Count == 0)
        {
            errors.Add($"{field} is empty: list on, off or both");
            return [];
        }

        var result = new List<bool>();
        foreach (var value in values)
        {
            switch (value)
            {
                case "on":
                    result.Add(true);
                    break;
                case "off":
                    result.Add(false);
                    break;
                default:
                    errors.Add($"{field}: unknown value '{value}' (known: on, off)");
                    break;
            }
        }

        return result.Distinct().ToList();
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    private sealed record MatrixFile(
        [property: JsonPropertyName("$comment")] string? Comment,
        [property: JsonPropertyName("daemons")] Dictionary<string, DaemonEntry>? Daemons,
        [property: JsonPropertyName("seed")] IReadOnlyList<SeedEntry>? Seed,
        [property: JsonPropertyName("matrices")] Dictionary<string, MatrixEntry>? Matrices);

    private sealed record DaemonEntry(
        [property: JsonPropertyName("usernsRemap")] bool? UsernsRemap,
        [property: JsonPropertyName("cgroupDriver")] string? CgroupDriver,
        [property: JsonPropertyName("cgroupParent")] string? CgroupParent);

    private sealed record SeedEntry(
        [property: JsonPropertyName("alias")] string? Alias,
        [property: JsonPropertyName("quote")] string? Quote,
        [property: JsonPropertyName("cgroupns")] string? Cgroupns,
        [property: JsonPropertyName("mount")] string? Mount,
        [property: JsonPropertyName("privilege")] string? Privilege,
        [property: JsonPropertyName("tmpfs")] bool? Tmpfs,
        [property: JsonPropertyName("daemon")] string? Daemon);

    private sealed record MatrixEntry(
        [property: JsonPropertyName("description")] string? Description,
        [property: JsonPropertyName("images")] IReadOnlyList<string>? Images,
        [property: JsonPropertyName("daemons")] IReadOnlyList<string>? Daemons,
        [property: JsonPropertyName("seed")] bool? Seed,
        [property: JsonPropertyName("axes")] AxesEntry? Axes);

    private sealed record AxesEntry(
        [property: JsonPropertyName("cgroupns")] IReadOnlyList<string>? Cgroupns,
        [property: JsonPropertyName("mount")] IReadOnlyList<string>? Mount,
        [property: JsonPropertyName("privilege")] IReadOnlyList<string>? Privilege,
        [property: JsonPropertyName("tmpfs")] IReadOnlyList<string>? Tmpfs);
}

/// <summary>A matrix definition problem; the message names the file and the field.</summary>
public sealed class MatrixException(string message) : Exception(message);
