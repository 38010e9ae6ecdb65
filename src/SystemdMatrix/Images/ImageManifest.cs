using SystemdMatrix.Data;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SystemdMatrix.Images;

/// <summary>Where an image's base comes from.</summary>
public enum BaseSource
{
    /// <summary>Registry when one is reachable, else bootstrap when a mirror is known, else unavailable.</summary>
    Auto,

    /// <summary><c>FROM debian:…</c>, <c>ubuntu:…</c>, <c>fedora:…</c>.</summary>
    Registry,

    /// <summary>A root filesystem built from the distribution's package archive, imported as the base.</summary>
    Bootstrap,
}

/// <summary>Package archive mirrors for the bootstrap source. Debian's has a default; the others only what the user sets.</summary>
public sealed record MirrorSettings(string? Debian, string? Ubuntu, string? Fedora)
{
    public string? For(string distro) => distro switch
    {
        "debian" => Debian,
        "ubuntu" => Ubuntu,
        "fedora" => Fedora,
        _ => null,
    };

    /// <summary>Environment variables (<c>SYSTEMD_MATRIX_MIRROR_UBUNTU</c> and so on) override the manifest.</summary>
    public MirrorSettings With(Settings.HarnessSettings settings) => new(
        settings.MirrorDebian ?? Debian,
        settings.MirrorUbuntu ?? Ubuntu,
        settings.MirrorFedora ?? Fedora);
}

/// <summary>One image the manifest describes.</summary>
public sealed record ImageDefinition(
    string Name,
    string Distro,
    string Release,
    string? Variant,
    string Template,
    IReadOnlyList<string> Packages,
    IReadOnlyList<string> MaskUnits,
    BaseSource Source)
{
    /// <summary>The folder of its generated Dockerfile, relative to <c>images/</c>.</summary>
    public string Folder => $"{Distro}/{Release}{(Variant is null ? string.Empty : "-" + Variant)}";

    /// <summary>The tag the final image carries in every engine.</summary>
    public string Tag => $"systemd-matrix/{Distro}:{Release}{(Variant is null ? string.Empty : "-" + Variant)}";

    public ReleaseInfo ReleaseInfo => DistroCatalogue.Find(Distro, Release)
        ?? throw new InvalidOperationException($"{Distro} {Release} is not a known release (validation should have caught this)");
}

/// <summary>
/// <c>images/manifest.json</c>: every image, its packages and setup, and the mirrors. Parsing validates everything
/// and reports every problem at once, each naming the file and the field.
/// </summary>
public sealed record ImageManifest(string SourcePath, MirrorSettings Mirrors, IReadOnlyList<ImageDefinition> Images)
{
    public ImageDefinition Find(string name) =>
        Images.FirstOrDefault(i => i.Name == name)
        ?? throw new ManifestException($"{SourcePath}: no image named '{name}' (known: {string.Join(", ", Images.Select(i => i.Name))})");

    public static ImageManifest Load(string path) => Parse(JsonDataFile.Read(path, "image manifest", m => new ManifestException(m)), path);

    public static ImageManifest Parse(string json, string source)
    {
        var file = JsonDataFile.Parse<ManifestFile>(json, source, "manifest", m => new ManifestException(m));
        var errors = new List<string>();

        var images = new List<ImageDefinition>();
        var entries = file.Images ?? [];
        if (entries.Count == 0)
        {
            errors.Add($"{source}: images: the manifest lists no images");
        }

        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            var at = $"{source}: images[{i}]{(string.IsNullOrWhiteSpace(entry.Name) ? string.Empty : $" ({entry.Name})")}";
            var before = errors.Count;
            Require(entry.Name, $"{at}.name", errors);
            Require(entry.Distro, $"{at}.distro", errors);
            Require(entry.Release, $"{at}.release", errors);
            Require(entry.Template, $"{at}.template", errors);

            if (entry.Name is { } name && !System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z0-9][a-z0-9.-]*$"))
            {
                errors.Add($"{at}.name: '{name}' may only contain lower-case letters, digits, dots and dashes");
            }

            if (entry.Distro is { } distro && !DistroCatalogue.Distros.Contains(distro))
            {
                errors.Add($"{at}.distro: unknown distro '{distro}' (known: {string.Join(", ", DistroCatalogue.Distros)})");
            }
            else if (entry.Distro is not null && entry.Release is { } release && DistroCatalogue.Find(entry.Distro, release) is null)
            {
                var known = DistroCatalogue.Releases.Where(r => r.Distro == entry.Distro).Select(r => r.Release);
                errors.Add($"{at}.release: unknown {entry.Distro} release '{release}' (known: {string.Join(", ", known)})");
            }

            if (entry.Template is { } template)
            {
                if (!DistroCatalogue.TemplateFamilies.TryGetValue(template, out var family))
                {
                    errors.Add($"{at}.template: unknown template '{template}' (known: {string.Join(", ", DistroCatalogue.TemplateFamilies.Keys)})");
                }
                else if (entry.Distro is not null && entry.Release is not null && DistroCatalogue.Find(entry.Distro, entry.Release) is { } info && info.Family != family)
                {
                    errors.Add($"{at}.template: '{template}' is written for {family} distributions, {entry.Distro} uses {info.Family}");
                }
            }

            if (entry.Variant is { } variant && !System.Text.RegularExpressions.Regex.IsMatch(variant, "^[a-z0-9][a-z0-9-]*$"))
            {
                errors.Add($"{at}.variant: '{variant}' may only contain lower-case letters, digits and dashes");
            }

            var source0 = BaseSource.Auto;
            if (entry.Source is { } src && !Enum.TryParse(src, ignoreCase: true, out source0))
            {
                errors.Add($"{at}.source: unknown base source '{src}' (known: auto, registry, bootstrap)");
            }

            foreach (var package in entry.Packages ?? [])
            {
                if (!System.Text.RegularExpressions.Regex.IsMatch(package, "^[a-z0-9][a-z0-9+.-]*$"))
                {
                    errors.Add($"{at}.packages: '{package}' is not a package name");
                }
            }

            foreach (var unit in entry.MaskUnits ?? [])
            {
                if (!System.Text.RegularExpressions.Regex.IsMatch(unit, @"^[A-Za-z0-9@_.:\\-]+\.(service|target|socket|mount|timer|path)$"))
                {
                    errors.Add($"{at}.maskUnits: '{unit}' is not a unit name");
                }
            }

            if (errors.Count == before)
            {
                images.Add(new ImageDefinition(
                    entry.Name!, entry.Distro!, entry.Release!, entry.Variant, entry.Template!,
                    entry.Packages ?? [], entry.MaskUnits ?? [], source0));
            }
        }

        foreach (var group in images.GroupBy(i => i.Name).Where(g => g.Count() > 1))
        {
            errors.Add($"{source}: images: the name '{group.Key}' is used {group.Count()} times");
        }

        foreach (var group in images.GroupBy(i => i.Folder).Where(g => g.Count() > 1))
        {
            errors.Add($"{source}: images: {string.Join(" and ", group.Select(i => i.Name))} would share images/{group.Key}; give one a variant");
        }

        if (errors.Count > 0)
        {
            throw new ManifestException(string.Join('\n', errors));
        }

        var mirrors = file.Mirrors ?? new MirrorsFile(null, null, null);
        return new ImageManifest(source, new MirrorSettings(mirrors.Debian, mirrors.Ubuntu, mirrors.Fedora), images);
    }

    private static void Require(string? value, string field, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add($"{field} is missing");
        }
    }

    private sealed record ManifestFile(
        [property: JsonPropertyName("$comment")] string? Comment,
        [property: JsonPropertyName("mirrors")] MirrorsFile? Mirrors,
        [property: JsonPropertyName("images")] IReadOnlyList<ImageEntry>? Images);

    private sealed record MirrorsFile(
        [property: JsonPropertyName("debian")] string? Debian,
        [property: JsonPropertyName("ubuntu")] string? Ubuntu,
        [property: JsonPropertyName("fedora")] string? Fedora);

    private sealed record ImageEntry(
        [property: JsonPropertyName("name")] string? Name,
        [property: JsonPropertyName("distro")] string? Distro,
        [property: JsonPropertyName("release")] string? Release,
        [property: JsonPropertyName("variant")] string? Variant,
        [property: JsonPropertyName("template")] string? Template,
        [property: JsonPropertyName("packages")] IReadOnlyList<string>? Packages,
        [property: JsonPropertyName("maskUnits")] IReadOnlyList<string>? MaskUnits,
        [property: JsonPropertyName("source")] string? Source);
}

/// <summary>A manifest problem; the message names the file and the field.</summary>
public sealed class ManifestException(string message) : Exception(message);
