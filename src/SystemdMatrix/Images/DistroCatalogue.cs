using System.Text.Json.Serialization;
using SystemdMatrix.Data;

namespace SystemdMatrix.Images;

/// <summary>How a distribution's root filesystem is bootstrapped from a package archive.</summary>
public enum BootstrapTool
{
    Debootstrap,
    Dnf,
}

/// <summary>A release the harness knows how to build: where its registry image is and how to bootstrap it.</summary>
public sealed record ReleaseInfo(string Distro, string Release, string RegistryRepository, string RegistryTag, string Suite, BootstrapTool Tool, string Family);

/// <summary>
/// The releases the manifest may name (<c>images/distros.json</c>, built into the library). Anything else is
/// rejected by validation, so a typo fails before a build starts rather than as a debootstrap error minutes later.
/// </summary>
public static class DistroCatalogue
{
    private const string Source = "images/distros.json";

    private static readonly Lazy<(IReadOnlyList<ReleaseInfo> Releases, IReadOnlyDictionary<string, string> Templates)> Loaded =
        new(() => Parse(JsonDataFile.ReadEmbedded("distros.json"), Source));

    public static IReadOnlyList<ReleaseInfo> Releases => Loaded.Value.Releases;

    public static IReadOnlyList<string> Distros => DistroNames.Value;

    private static readonly Lazy<IReadOnlyList<string>> DistroNames = new(() => Releases.Select(r => r.Distro).Distinct().ToList());

    public static ReleaseInfo? Find(string distro, string release) =>
        Releases.FirstOrDefault(r => r.Distro == distro && r.Release == release);

    /// <summary>The templates under <c>images/templates/</c> and the package family each is written for.</summary>
    public static IReadOnlyDictionary<string, string> TemplateFamilies => Loaded.Value.Templates;

    public static (IReadOnlyList<ReleaseInfo> Releases, IReadOnlyDictionary<string, string> Templates) Parse(string json, string source)
    {
        var file = JsonDataFile.Parse<DistrosFile>(json, source, "distribution list", m => new InvalidDataException(m));
        var errors = new List<string>();
        var releases = new List<ReleaseInfo>();
        string Required(string? value, string at)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                errors.Add($"{at} is missing");
            }

            return value ?? string.Empty;
        }

        foreach (var (entry, index) in (file.Releases ?? []).Select((e, i) => (e, i)))
        {
            var at = $"{source}: releases[{index}]";
            var tool = entry.Tool switch
            {
                "debootstrap" => BootstrapTool.Debootstrap,
                "dnf" => BootstrapTool.Dnf,
                var other => Invalid(other),
            };
            releases.Add(new ReleaseInfo(
                Required(entry.Distro, $"{at}.distro"),
                Required(entry.Release, $"{at}.release"),
                Required(entry.RegistryRepository, $"{at}.registryRepository"),
                Required(entry.RegistryTag, $"{at}.registryTag"),
                Required(entry.Suite, $"{at}.suite"),
                tool,
                Required(entry.Family, $"{at}.family")));

            BootstrapTool Invalid(string? value)
            {
                errors.Add($"{at}.tool: '{value}' is not one of debootstrap, dnf");
                return BootstrapTool.Debootstrap;
            }
        }

        if (releases.Count == 0)
        {
            errors.Add($"{source}: releases is empty");
        }

        foreach (var duplicate in releases.GroupBy(r => (r.Distro, r.Release)).Where(g => g.Count() > 1))
        {
            errors.Add($"{source}: {duplicate.Key.Distro} {duplicate.Key.Release} appears {duplicate.Count()} times");
        }

        var families = releases.Select(r => r.Family).ToHashSet(StringComparer.Ordinal);
        foreach (var (template, family) in file.TemplateFamilies ?? [])
        {
            if (!families.Contains(family))
            {
                errors.Add($"{source}: templateFamilies.{template}: '{family}' is no release's family (known: {string.Join(", ", families)})");
            }
        }

        return errors.Count > 0
            ? throw new InvalidDataException(string.Join('\n', errors))
            : (releases, (IReadOnlyDictionary<string, string>)(file.TemplateFamilies ?? []));
    }

    private sealed record DistrosFile(
        [property: JsonPropertyName("$comment")] string? Comment,
        [property: JsonPropertyName("releases")] IReadOnlyList<ReleaseEntry>? Releases,
        [property: JsonPropertyName("templateFamilies")] Dictionary<string, string>? TemplateFamilies);

    private sealed record ReleaseEntry(
        [property: JsonPropertyName("distro")] string? Distro,
        [property: JsonPropertyName("release")] string? Release,
        [property: JsonPropertyName("registryRepository")] string? RegistryRepository,
        [property: JsonPropertyName("registryTag")] string? RegistryTag,
        [property: JsonPropertyName("suite")] string? Suite,
        [property: JsonPropertyName("tool")] string? Tool,
        [property: JsonPropertyName("family")] string? Family);
}
