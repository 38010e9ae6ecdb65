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
/// The releases the manifest may name. Anything else is rejected by validation, so a typo fails before a build
/// starts rather than as a debootstrap error minutes later.
/// </summary>
public static class DistroCatalogue
{
    public static IReadOnlyList<ReleaseInfo> Releases { get; } =
    [
        new("debian", "bullseye", "debian", "bullseye", "bullseye", BootstrapTool.Debootstrap, "apt"),
        new("debian", "bookworm", "debian", "bookworm", "bookworm", BootstrapTool.Debootstrap, "apt"),
        new("debian", "trixie", "debian", "trixie", "trixie", BootstrapTool.Debootstrap, "apt"),
        new("debian", "forky", "debian", "forky", "forky", BootstrapTool.Debootstrap, "apt"),
        new("ubuntu", "22.04", "ubuntu", "22.04", "jammy", BootstrapTool.Debootstrap, "apt"),
        new("ubuntu", "24.04", "ubuntu", "24.04", "noble", BootstrapTool.Debootstrap, "apt"),
        new("fedora", "44", "fedora", "44", "44", BootstrapTool.Dnf, "dnf"),
        new("fedora", "45", "fedora", "45", "45", BootstrapTool.Dnf, "dnf"),
    ];

    public static IReadOnlyList<string> Distros { get; } = Releases.Select(r => r.Distro).Distinct().ToList();

    public static ReleaseInfo? Find(string distro, string release) =>
        Releases.FirstOrDefault(r => r.Distro == distro && r.Release == release);

    /// <summary>The templates under <c>images/templates/</c> and the package family each is written for.</summary>
    public static IReadOnlyDictionary<string, string> TemplateFamilies { get; } = new Dictionary<string, string>
    {
        ["debian"] = "apt",
        ["seed-replica"] = "apt",
        ["fedora"] = "dnf",
    };
}
