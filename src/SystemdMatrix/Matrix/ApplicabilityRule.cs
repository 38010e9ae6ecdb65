using System.Globalization;
using System.Text.RegularExpressions;
using SystemdMatrix.Model;

namespace SystemdMatrix.Matrix;

/// <summary>
/// A condition under which a cell cannot be expressed on a host, and why. Every listed condition must hold; a
/// list of values matches any of them. Rules are data (<c>matrix/matrices.json</c>), so the table can say which
/// rule made a cell not applicable.
/// </summary>
public sealed record ApplicabilityRule(
    string Id,
    string Reason,
    IReadOnlyList<CgroupnsMode>? Cgroupns,
    IReadOnlyList<CgroupMount>? Mounts,
    IReadOnlyList<Privilege>? Privileges,
    IReadOnlyList<Remedy>? Remedies,
    IReadOnlyList<CgroupDriver>? Drivers,
    bool? UsernsRemap,
    IReadOnlyList<HostCgroupMode>? HostCgroupModes,
    Version? EngineBelow,
    Version? EngineAtLeast,
    bool? HostSystemdInit = null)
{
    /// <summary>Only on hosts running these Debian releases (VM hosts).</summary>
    public IReadOnlyList<string>? HostReleases { get; init; }

    public IReadOnlyList<HostKind>? HostKinds { get; init; }

    public bool Matches(Cell cell, HostIdentity host)
    {
        var engine = EngineVersionOf(host.EngineVersion);
        return (Cgroupns is null || Cgroupns.Contains(cell.Run.Cgroupns))
               && (Mounts is null || Mounts.Contains(cell.Run.CgroupMount))
               && (Privileges is null || Privileges.Contains(cell.Run.Privilege))
               && (Remedies is null || Remedies.Contains(cell.Run.Remedy))
               && (Drivers is null || (cell.Daemon.CgroupDriver is { } driver && Drivers.Contains(driver)))
               && (UsernsRemap is null || UsernsRemap == cell.Daemon.UsernsRemap)
               && (HostCgroupModes is null || HostCgroupModes.Contains(host.CgroupMode))
               && (EngineBelow is null || engine < EngineBelow)
               && (EngineAtLeast is null || engine >= EngineAtLeast)
               && (HostSystemdInit is null || HostSystemdInit == host.SystemdInit)
               && (HostReleases is null || HostReleases.Contains(host.Release))
               && (HostKinds is null || HostKinds.Contains(host.Kind));
    }

    /// <summary>The numeric part of an engine version: <c>20.10.24+dfsg1</c> is 20.10.24.</summary>
    public static Version EngineVersionOf(string engineVersion)
    {
        var match = Regex.Match(engineVersion, @"^\d+(\.\d+){0,3}");
        return match.Success && Version.TryParse(match.Value.Contains('.', StringComparison.Ordinal) ? match.Value : match.Value + ".0", out var version)
            ? version
            : new Version(0, 0);
    }

    /// <summary>The first rule that makes the cell not applicable on this host, if any.</summary>
    public static ApplicabilityRule? FirstMatch(IEnumerable<ApplicabilityRule> rules, Cell cell, HostIdentity host) =>
        rules.FirstOrDefault(rule => rule.Matches(cell, host));

    public string Describe(HostIdentity host) =>
        string.Create(CultureInfo.InvariantCulture, $"{Reason.Replace("{init}", host.Init, StringComparison.Ordinal)} (rule {Id})");
}
