using System.Text.Json.Serialization;
using SystemdMatrix.Data;
using SystemdMatrix.Images;
using SystemdMatrix.Model;

namespace SystemdMatrix.Hosts;

/// <summary>How a release's systemd takes a v1 or hybrid host: natively, only when forced, or not at all.</summary>
public enum LegacyCgroups
{
    Native,
    Forced,
    Unsupported,
}

/// <summary>A Debian release the harness can build a host VM from, with the engine and systemd it brings.</summary>
public sealed record HostRelease(string Release, string DockerVersion, string SystemdVersion, LegacyCgroups LegacyCgroups, CgroupArguments Arguments)
{
    /// <summary>Packages only this release's host image has (trixie's Compose v2, say), on top of <see cref="HostReleases.Packages"/>.</summary>
    public IReadOnlyList<string> ExtraPackages { get; init; } = [];

    /// <summary>Everything debootstrap installs into this release's host image.</summary>
    public IReadOnlyList<string> Packages => [.. HostReleases.Packages, .. ExtraPackages];

    public ReleaseInfo Info => DistroCatalogue.Find("debian", Release)!;

    public bool NeedsLegacyForce => LegacyCgroups == LegacyCgroups.Forced;

    /// <summary>The kernel command line that makes systemd mount the cgroup layout (forced where the release needs it).</summary>
    public string CgroupArguments(HostCgroupMode mode)
    {
        var force = NeedsLegacyForce ? " " + Arguments.LegacyForce : string.Empty;
        return mode switch
        {
            HostCgroupMode.V2 => Arguments.V2,
            HostCgroupMode.Hybrid => Arguments.Hybrid + force,
            _ => Arguments.V1 + force,
        };
    }
}

/// <summary>The kernel arguments per cgroup layout, and the one that forces a legacy layout on systemd 256 and 257.</summary>
public sealed record CgroupArguments(
    [property: JsonPropertyName("v2")] string V2,
    [property: JsonPropertyName("hybrid")] string Hybrid,
    [property: JsonPropertyName("v1")] string V1,
    [property: JsonPropertyName("legacyForce")] string LegacyForce);

/// <summary>The host releases of <c>hosts/releases.json</c> (built into the library), checked with every error at once.</summary>
public static class HostReleases
{
    private const string Source = "hosts/releases.json";

    private static readonly Lazy<(IReadOnlyList<HostRelease> All, IReadOnlyList<string> Packages)> Loaded =
        new(() => Parse(JsonDataFile.ReadEmbedded("host-releases.json"), Source));

    public static IReadOnlyList<HostRelease> All => Loaded.Value.All;

    public const string PageBegin = "<!-- host-releases:begin (generated from hosts/releases.json; a test checks it) -->";
    public const string PageEnd = "<!-- host-releases:end -->";

    /// <summary>docs/how-it-works.md's list of host releases, between <see cref="PageBegin"/> and <see cref="PageEnd"/>.</summary>
    public static string ToMarkdown() =>
        "| release | docker.io | systemd | v1 and hybrid hosts |\n|---|---|---|---|\n"
        + string.Concat(All.Select(r => $"| {r.Release} | {r.DockerVersion} | {r.SystemdVersion} | {LegacyText(r)} |\n"));

    private static string LegacyText(HostRelease release) => release.LegacyCgroups switch
    {
        LegacyCgroups.Native => "boot as they are",
        LegacyCgroups.Forced => $"boot only when forced (`{release.Arguments.LegacyForce}`)",
        _ => "cannot boot (not applicable)",
    };

    /// <summary>What every host image has: its kernel, systemd (and D-Bus, which the systemd cgroup driver talks to), docker.io, apparmor.</summary>
    public static IReadOnlyList<string> Packages => Loaded.Value.Packages;

    public static HostRelease Find(string release) =>
        All.FirstOrDefault(r => r.Release == release)
        ?? throw new ArgumentException($"no host image for Debian '{release}' (known: {string.Join(", ", All.Select(r => r.Release))})", nameof(release));

    public static (IReadOnlyList<HostRelease> All, IReadOnlyList<string> Packages) Parse(string json, string source)
    {
        var file = JsonDataFile.Parse<ReleasesFile>(json, source, "host release list", m => new InvalidDataException(m));
        var errors = new List<string>();
        if (file.Packages is not { Count: > 0 })
        {
            errors.Add($"{source}: packages is empty: a host image needs at least its kernel, systemd and docker.io");
        }

        if (file.CgroupArguments is not { } arguments || new[] { arguments.V2, arguments.Hybrid, arguments.V1, arguments.LegacyForce }.Any(string.IsNullOrWhiteSpace))
        {
            errors.Add($"{source}: cgroupArguments needs v2, hybrid, v1 and legacyForce");
            arguments = new CgroupArguments(string.Empty, string.Empty, string.Empty, string.Empty);
        }

        var releases = new List<HostRelease>();
        foreach (var (entry, index) in (file.Releases ?? []).Select((e, i) => (e, i)))
        {
            var at = $"{source}: releases[{index}]";
            if (entry.Release is null || DistroCatalogue.Find("debian", entry.Release) is null)
            {
                errors.Add($"{at}.release: '{entry.Release}' is not a Debian release of images/distros.json");
            }

            if (string.IsNullOrWhiteSpace(entry.Docker) || !Version.TryParse(entry.Docker, out _))
            {
                errors.Add($"{at}.docker: '{entry.Docker}' is not a version");
            }

            if (string.IsNullOrWhiteSpace(entry.Systemd) || !int.TryParse(entry.Systemd, out _))
            {
                errors.Add($"{at}.systemd: '{entry.Systemd}' is not a systemd version");
            }

            if (!Enum.TryParse<LegacyCgroups>(entry.LegacyCgroups, ignoreCase: true, out var legacy) || entry.LegacyCgroups != entry.LegacyCgroups?.ToLowerInvariant())
            {
                errors.Add($"{at}.legacyCgroups: '{entry.LegacyCgroups}' is not one of native, forced, unsupported");
            }

            if (entry.ExtraPackages?.Any(string.IsNullOrWhiteSpace) == true)
            {
                errors.Add($"{at}.extraPackages: holds an empty package name");
            }

            releases.Add(new HostRelease(entry.Release ?? string.Empty, entry.Docker ?? string.Empty, entry.Systemd ?? string.Empty, legacy, arguments)
            {
                ExtraPackages = entry.ExtraPackages ?? [],
            });
        }

        if (releases.Count == 0)
        {
            errors.Add($"{source}: releases is empty");
        }

        foreach (var duplicate in releases.GroupBy(r => r.Release).Where(g => g.Count() > 1))
        {
            errors.Add($"{source}: release '{duplicate.Key}' appears {duplicate.Count()} times");
        }

        return errors.Count > 0 ? throw new InvalidDataException(string.Join('\n', errors)) : (releases, file.Packages!);
    }

    private sealed record ReleasesFile(
        [property: JsonPropertyName("$comment")] string? Comment,
        [property: JsonPropertyName("packages")] IReadOnlyList<string>? Packages,
        [property: JsonPropertyName("cgroupArguments")] CgroupArguments? CgroupArguments,
        [property: JsonPropertyName("releases")] IReadOnlyList<ReleaseEntry>? Releases);

    private sealed record ReleaseEntry(
        [property: JsonPropertyName("release")] string? Release,
        [property: JsonPropertyName("docker")] string? Docker,
        [property: JsonPropertyName("systemd")] string? Systemd,
        [property: JsonPropertyName("legacyCgroups")] string? LegacyCgroups,
        [property: JsonPropertyName("extraPackages")] IReadOnlyList<string>? ExtraPackages);
}
