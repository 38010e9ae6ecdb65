using SystemdMatrix.Data;
using System.Text.Json;
using System.Text.Json.Serialization;
using SystemdMatrix.Model;

namespace SystemdMatrix.Matrix;

/// <summary>A configuration quoted from a report: a run profile with the alias and the words it was quoted in.</summary>
public sealed record QuotedCell(string Alias, string Quote, RunProfile Run, string? Daemon);

/// <summary>
/// One cross product of a matrix: on these hosts, for these images and daemon profiles, every combination of these
/// container axis values, plus the quoted cells when asked for.
/// </summary>
public sealed record MatrixPart(
    IReadOnlyList<HostSpec> Hosts,
    IReadOnlyList<string> Images,
    IReadOnlyList<string> Daemons,
    IReadOnlyList<CgroupnsMode> Cgroupns,
    IReadOnlyList<CgroupMount> Mounts,
    IReadOnlyList<Privilege> Privileges,
    IReadOnlyList<bool> Tmpfs,
    bool IncludeSeed,
    bool IncludeRemedies = false);

/// <summary>
/// A named matrix: the union of one or more cross products (<see cref="MatrixPart"/>). Most matrices are one
/// product; a reference run that asks different questions of different hosts (the whole grid on v2 hosts, the
/// privilege axis for the seed's cells on v1 ones) is several.
/// </summary>
public sealed record NamedMatrix(string Name, string Description, IReadOnlyList<MatrixPart> Parts)
{
    /// <summary>Every image some part uses, in first-use order.</summary>
    public IReadOnlyList<string> Images => Parts.SelectMany(p => p.Images).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>Every daemon profile some part uses, in first-use order.</summary>
    public IReadOnlyList<string> Daemons => Parts.SelectMany(p => p.Daemons).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>Every host some part runs on, in first-use order.</summary>
    public IReadOnlyList<HostSpec> Hosts => Parts.SelectMany(p => p.Hosts).Distinct().ToList();
}

/// <summary>
/// <c>matrix/matrices.json</c>: daemon profiles, the seed report's configurations and the named matrices. Parsed with
/// every error reported at once, each naming the file and the field.
/// </summary>
public sealed record MatrixDefinition(
    string SourcePath,
    IReadOnlyDictionary<string, DaemonProfile> Daemons,
    IReadOnlyList<QuotedCell> Seed,
    IReadOnlyDictionary<string, NamedMatrix> Matrices,
    IReadOnlyList<ApplicabilityRule> Rules,
    IReadOnlyList<QuotedCell> Remedies)
{
    /// <summary>The hosts the definition names (the sandbox is always there).</summary>
    public IReadOnlyDictionary<string, HostSpec> Hosts { get; init; } = new Dictionary<string, HostSpec> { ["sandbox"] = HostSpec.Sandbox };

    /// <summary>The not-applicable verdict for a cell on a host, or null when the host can run it.</summary>
    public Verdict? NotApplicable(Cell cell, HostIdentity host) =>
        ApplicabilityRule.FirstMatch(Rules, cell, host) is { } rule ? Verdict.NotApplicable(rule.Describe(host)) : null;

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

        foreach (var part in matrix.Parts)
        foreach (var host in part.Hosts)
        foreach (var image in part.Images)
        {
            foreach (var daemonName in part.Daemons)
            {
                var daemon = Daemons[daemonName];
                var quotedCells = (part.IncludeSeed ? Seed : []).Concat(part.IncludeRemedies ? Remedies : []);
                foreach (var quoted in quotedCells.Where(q => q.Daemon is null || q.Daemon == daemonName))
                {
                    Add(new Cell(image, daemon, quoted.Run, [quoted.Alias]) { Host = host });
                }

                foreach (var cgroupns in part.Cgroupns)
                {
                    foreach (var mount in part.Mounts)
                    {
                        foreach (var privilege in part.Privileges)
                        {
                            foreach (var tmpfs in part.Tmpfs)
                            {
                                Add(new Cell(image, daemon, new RunProfile(cgroupns, mount, privilege, tmpfs), []) { Host = host });
                            }
                        }
                    }
                }
            }
        }

        return cells;
    }

    public static MatrixDefinition Load(string path) => Parse(JsonDataFile.Read(path, "matrix definition", m => new MatrixException(m)), path);

    public static MatrixDefinition Parse(string json, string source)
    {
        var file = JsonDataFile.Parse<MatrixFile>(json, source, "matrix definition", m => new MatrixException(m));
        var errors = new List<string>();
        var daemons = new Dictionary<string, DaemonProfile>(StringComparer.Ordinal);
        foreach (var (name, entry) in file.Daemons ?? [])
        {
            var at = $"{source}: daemons.{name}";
            // No cgroupDriver: the profile sets none and the engine picks, as for a user who never configured it.
            CgroupDriver? driver = entry.CgroupDriver is null ? null : ParseAxis(entry.CgroupDriver, $"{at}.cgroupDriver", errors, CgroupDriver.Cgroupfs);
            daemons[name] = new DaemonProfile(name, entry.UsernsRemap ?? false, driver, entry.CgroupParent);
        }

        if (daemons.Count == 0)
        {
            errors.Add($"{source}: daemons: no daemon profile is defined");
        }

        var hosts = new Dictionary<string, HostSpec>(StringComparer.Ordinal) { ["sandbox"] = HostSpec.Sandbox };
        // VM hosts are releases x cgroup modes; a pair that cannot boot is made not applicable by a rule, not left out.
        var known = SystemdMatrix.Hosts.HostReleases.All.Select(r => r.Release).ToList();
        var vmHosts = file.VmHosts;
        var modes = vmHosts is null ? [] : ParseAxisList<HostCgroupMode>(vmHosts.CgroupModes, $"{source}: vmHosts.cgroupModes", errors);
        foreach (var release in vmHosts?.Releases ?? [])
        {
            if (!known.Contains(release))
            {
                errors.Add($"{source}: vmHosts.releases: '{release}' is not a release of hosts/releases.json (known: {string.Join(", ", known)})");
                continue;
            }

            foreach (var mode in modes)
            {
                var host = HostSpec.Vm(release, mode);
                hosts[host.Name] = host;
            }
        }

        var seed = ParseQuoted(file.Seed, $"{source}: seed", daemons, errors);
        var remedies = ParseQuoted(file.Remedies, $"{source}: remedies", daemons, errors);
        foreach (var duplicate in seed.Concat(remedies).GroupBy(s => s.Alias).Where(g => g.Count() > 1))
        {
            errors.Add($"{source}: alias '{duplicate.Key}' is used {duplicate.Count()} times");
        }

        var matrices = new Dictionary<string, NamedMatrix>(StringComparer.Ordinal);
        foreach (var (name, entry) in file.Matrices ?? [])
        {
            var at = $"{source}: matrices.{name}";
            var whole = new PartEntry(entry.Images, entry.Hosts, entry.Daemons, entry.Seed, entry.Remedies, entry.Axes);
            IReadOnlyList<(PartEntry Part, string At)> partEntries;
            if (entry.Parts is { } listedParts)
            {
                if (whole != PartEntry.Empty)
                {
                    errors.Add($"{at}: has both parts and images/hosts/daemons/seed/remedies/axes of its own: put them in a part");
                }

                if (listedParts.Count == 0)
                {
                    errors.Add($"{at}.parts is empty");
                }

                partEntries = listedParts.Select((p, i) => (p, $"{at}.parts[{i}]")).ToList();
            }
            else
            {
                partEntries = [(whole, at)];
            }

            var parts = partEntries.Select(p => ParsePart(p.Part, p.At, daemons, hosts, errors)).ToList();
            matrices[name] = new NamedMatrix(name, entry.Description ?? string.Empty, parts);
        }

        var rules = new List<ApplicabilityRule>();
        for (var i = 0; i < (file.Rules ?? []).Count; i++)
        {
            var entry = file.Rules![i];
            var at = $"{source}: rules[{i}]";
            if (string.IsNullOrWhiteSpace(entry.Id))
            {
                errors.Add($"{at}.id is missing");
            }

            if (string.IsNullOrWhiteSpace(entry.Reason))
            {
                errors.Add($"{at}.reason is missing: a not-applicable cell always says why");
            }

            var when = entry.When ?? WhenEntry.Empty;
            if (when == WhenEntry.Empty)
            {
                errors.Add($"{at}.when is empty: a rule without conditions would remove every cell");
            }

            rules.Add(new ApplicabilityRule(
                entry.Id ?? string.Empty,
                entry.Reason ?? string.Empty,
                when.Cgroupns is null ? null : ParseAxisList<CgroupnsMode>(when.Cgroupns, $"{at}.when.cgroupns", errors),
                when.Mount is null ? null : ParseAxisList<CgroupMount>(when.Mount, $"{at}.when.mount", errors),
                when.Privilege is null ? null : ParseAxisList<Privilege>(when.Privilege, $"{at}.when.privilege", errors),
                when.Remedy is null ? null : ParseAxisList<Remedy>(when.Remedy, $"{at}.when.remedy", errors),
                when.CgroupDriver is null ? null : ParseAxisList<CgroupDriver>(when.CgroupDriver, $"{at}.when.cgroupDriver", errors),
                when.UsernsRemap,
                when.HostCgroupMode is null ? null : ParseAxisList<HostCgroupMode>(when.HostCgroupMode, $"{at}.when.hostCgroupMode", errors),
                ParseVersion(when.EngineBelow, $"{at}.when.engineBelow", errors),
                ParseVersion(when.EngineAtLeast, $"{at}.when.engineAtLeast", errors),
                when.HostSystemdInit)
            {
                HostReleases = when.HostRelease,
                HostKinds = when.HostKind is null ? null : ParseAxisList<HostKind>(when.HostKind, $"{at}.when.hostKind", errors),
            });
        }

        foreach (var duplicate in rules.GroupBy(r => r.Id).Where(g => g.Count() > 1))
        {
            errors.Add($"{source}: rules: id '{duplicate.Key}' is used {duplicate.Count()} times");
        }

        return errors.Count > 0
            ? throw new MatrixException(string.Join('\n', errors))
            : new MatrixDefinition(source, daemons, seed, matrices, rules, remedies) { Hosts = hosts };
    }

    private static MatrixPart ParsePart(PartEntry entry, string at, IReadOnlyDictionary<string, DaemonProfile> daemons, IReadOnlyDictionary<string, HostSpec> hosts, List<string> errors)
    {
        if ((entry.Images ?? []).Count == 0)
        {
            errors.Add($"{at}.images is empty");
        }

        var daemonNames = entry.Daemons is { Count: > 0 } names ? names : ["default"];
        foreach (var daemonName in daemonNames.Where(n => !daemons.ContainsKey(n)))
        {
            errors.Add($"{at}.daemons: unknown daemon profile '{daemonName}' (known: {string.Join(", ", daemons.Keys)})");
        }

        var hostNames = entry.Hosts is { Count: > 0 } listed ? listed : ["sandbox"];
        foreach (var hostName in hostNames.Where(h => !hosts.ContainsKey(h)))
        {
            errors.Add($"{at}.hosts: unknown host '{hostName}' (known: {string.Join(", ", hosts.Keys)})");
        }

        // Without axes a part is only its quoted cells (the seed report, the remedies).
        var axes = entry.Axes;
        if (axes is null && entry.Seed != true && entry.Remedies != true)
        {
            errors.Add($"{at}: no axes and no quoted cells (seed, remedies): the matrix would be empty");
        }

        return new MatrixPart(
            hostNames.Where(hosts.ContainsKey).Select(h => hosts[h]).ToList(),
            entry.Images ?? [],
            daemonNames,
            axes is null ? [] : ParseAxisList<CgroupnsMode>(axes.Cgroupns, $"{at}.axes.cgroupns", errors),
            axes is null ? [] : ParseAxisList<CgroupMount>(axes.Mount, $"{at}.axes.mount", errors),
            axes is null ? [] : ParseAxisList<Privilege>(axes.Privilege, $"{at}.axes.privilege", errors),
            axes is null ? [] : ParseTmpfsList(axes.Tmpfs, $"{at}.axes.tmpfs", errors),
            entry.Seed ?? false,
            entry.Remedies ?? false);
    }

    private static List<QuotedCell> ParseQuoted(IReadOnlyList<SeedEntry>? entries, string where, IReadOnlyDictionary<string, DaemonProfile> daemons, List<string> errors)
    {
        var cells = new List<QuotedCell>();
        for (var i = 0; i < (entries ?? []).Count; i++)
        {
            var entry = entries![i];
            var at = $"{where}[{i}]";
            if (string.IsNullOrWhiteSpace(entry.Alias))
            {
                errors.Add($"{at}.alias is missing");
            }

            if (entry.Daemon is { } d && !daemons.ContainsKey(d))
            {
                errors.Add($"{at}.daemon: unknown daemon profile '{d}' (known: {string.Join(", ", daemons.Keys)})");
            }

            var run = new RunProfile(
                ParseAxis(entry.Cgroupns ?? "default", $"{at}.cgroupns", errors, CgroupnsMode.EngineDefault),
                ParseAxis(entry.Mount ?? "none", $"{at}.mount", errors, CgroupMount.None),
                ParseAxis(entry.Privilege ?? "none", $"{at}.privilege", errors, Privilege.None),
                entry.Tmpfs ?? true,
                ParseAxis(entry.Remedy ?? "none", $"{at}.remedy", errors, Remedy.None));
            cells.Add(new QuotedCell(entry.Alias ?? string.Empty, entry.Quote ?? string.Empty, run, entry.Daemon));
        }

        return cells;
    }

    private static Version? ParseVersion(string? value, string field, List<string> errors)
    {
        if (value is null)
        {
            return null;
        }

        if (Version.TryParse(value.Contains('.', StringComparison.Ordinal) ? value : value + ".0", out var version))
        {
            return version;
        }

        errors.Add($"{field}: '{value}' is not a version such as 25 or 20.10");
        return null;
    }

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

    private sealed record MatrixFile(
        [property: JsonPropertyName("$comment")] string? Comment,
        [property: JsonPropertyName("daemons")] Dictionary<string, DaemonEntry>? Daemons,
        [property: JsonPropertyName("vmHosts")] VmHostsEntry? VmHosts,
        [property: JsonPropertyName("seed")] IReadOnlyList<SeedEntry>? Seed,
        [property: JsonPropertyName("remedies")] IReadOnlyList<SeedEntry>? Remedies,
        [property: JsonPropertyName("matrices")] Dictionary<string, MatrixEntry>? Matrices,
        [property: JsonPropertyName("rules")] IReadOnlyList<RuleEntry>? Rules);

    private sealed record RuleEntry(
        [property: JsonPropertyName("id")] string? Id,
        [property: JsonPropertyName("reason")] string? Reason,
        [property: JsonPropertyName("when")] WhenEntry? When);

    private sealed record WhenEntry(
        [property: JsonPropertyName("cgroupns")] IReadOnlyList<string>? Cgroupns,
        [property: JsonPropertyName("mount")] IReadOnlyList<string>? Mount,
        [property: JsonPropertyName("privilege")] IReadOnlyList<string>? Privilege,
        [property: JsonPropertyName("remedy")] IReadOnlyList<string>? Remedy,
        [property: JsonPropertyName("cgroupDriver")] IReadOnlyList<string>? CgroupDriver,
        [property: JsonPropertyName("usernsRemap")] bool? UsernsRemap,
        [property: JsonPropertyName("hostCgroupMode")] IReadOnlyList<string>? HostCgroupMode,
        [property: JsonPropertyName("engineBelow")] string? EngineBelow,
        [property: JsonPropertyName("engineAtLeast")] string? EngineAtLeast,
        [property: JsonPropertyName("hostSystemdInit")] bool? HostSystemdInit,
        [property: JsonPropertyName("hostRelease")] IReadOnlyList<string>? HostRelease,
        [property: JsonPropertyName("hostKind")] IReadOnlyList<string>? HostKind)
    {
        public static readonly WhenEntry Empty = new(null, null, null, null, null, null, null, null, null, null, null, null);
    }

    private sealed record VmHostsEntry(
        [property: JsonPropertyName("$comment")] string? Comment,
        [property: JsonPropertyName("releases")] IReadOnlyList<string>? Releases,
        [property: JsonPropertyName("cgroupModes")] IReadOnlyList<string>? CgroupModes);

    private sealed record DaemonEntry(
        [property: JsonPropertyName("$comment")] string? Comment,
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
        [property: JsonPropertyName("remedy")] string? Remedy,
        [property: JsonPropertyName("daemon")] string? Daemon);

    private sealed record MatrixEntry(
        [property: JsonPropertyName("description")] string? Description,
        [property: JsonPropertyName("images")] IReadOnlyList<string>? Images,
        [property: JsonPropertyName("hosts")] IReadOnlyList<string>? Hosts,
        [property: JsonPropertyName("daemons")] IReadOnlyList<string>? Daemons,
        [property: JsonPropertyName("seed")] bool? Seed,
        [property: JsonPropertyName("remedies")] bool? Remedies,
        [property: JsonPropertyName("axes")] AxesEntry? Axes,
        [property: JsonPropertyName("parts")] IReadOnlyList<PartEntry>? Parts);

    private sealed record PartEntry(
        [property: JsonPropertyName("images")] IReadOnlyList<string>? Images,
        [property: JsonPropertyName("hosts")] IReadOnlyList<string>? Hosts,
        [property: JsonPropertyName("daemons")] IReadOnlyList<string>? Daemons,
        [property: JsonPropertyName("seed")] bool? Seed,
        [property: JsonPropertyName("remedies")] bool? Remedies,
        [property: JsonPropertyName("axes")] AxesEntry? Axes)
    {
        public static readonly PartEntry Empty = new(null, null, null, null, null, null);
    }

    private sealed record AxesEntry(
        [property: JsonPropertyName("cgroupns")] IReadOnlyList<string>? Cgroupns,
        [property: JsonPropertyName("mount")] IReadOnlyList<string>? Mount,
        [property: JsonPropertyName("privilege")] IReadOnlyList<string>? Privilege,
        [property: JsonPropertyName("tmpfs")] IReadOnlyList<string>? Tmpfs);
}

/// <summary>A matrix definition problem; the message names the file and the field.</summary>
public sealed class MatrixException(string message) : Exception(message);
