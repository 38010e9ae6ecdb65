using SystemdMatrix.Hosts;
using SystemdMatrix.Images;
using SystemdMatrix.Matrix;
using SystemdMatrix.Model;

namespace SystemdMatrix.Tests.Data;

/// <summary>Which releases exist and what they bring is data (hosts/releases.json, images/distros.json), checked like the other files.</summary>
public sealed class ReleaseDataTests
{
    [Test]
    public void The_built_in_release_lists_are_the_checkouts_files()
    {
        static string Describe(HostRelease r) => $"{r with { ExtraPackages = [] }} + {string.Join(',', r.ExtraPackages)}";
        var parsed = HostReleases.Parse(File.ReadAllText(Path.Combine(Repo.Layout.Root, "hosts", "releases.json")), "hosts/releases.json").All;
        Assert.That(parsed.Select(Describe), Is.EqualTo(HostReleases.All.Select(Describe)));
        Assert.That(DistroCatalogue.Parse(File.ReadAllText(Path.Combine(Repo.Layout.Root, "images", "distros.json")), "images/distros.json").Releases, Is.EqualTo(DistroCatalogue.Releases));
    }

    [Test]
    public void Trixie_and_later_hosts_bring_compose_v2_and_older_ones_keep_the_shared_package_list()
    {
        Assert.That(HostReleases.Find("trixie").Packages, Does.Contain("docker-compose"));
        Assert.That(HostReleases.Find("forky").Packages, Does.Contain("docker-compose"));
        Assert.That(HostReleases.Find("bookworm").Packages, Is.EqualTo(HostReleases.Packages), "bookworm's Compose is 1.29, which predates the cgroup key");
    }

    [Test]
    public void Trixie_forces_the_legacy_layouts_and_v2_is_never_forced()
    {
        var trixie = HostReleases.Find("trixie");

        Assert.That(trixie.CgroupArguments(HostCgroupMode.Hybrid), Is.EqualTo("systemd.unified_cgroup_hierarchy=0 systemd.legacy_systemd_cgroup_controller=0 SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE=1"));
        Assert.That(trixie.CgroupArguments(HostCgroupMode.V2), Is.EqualTo("systemd.unified_cgroup_hierarchy=1"));
        Assert.That(HostReleases.Find("bookworm").CgroupArguments(HostCgroupMode.V1), Is.EqualTo("systemd.unified_cgroup_hierarchy=0 systemd.legacy_systemd_cgroup_controller=1"));
    }

    [Test]
    public void Every_error_of_a_host_release_list_is_named_at_once()
    {
        const string json = """
            {
              "packages": [],
              "cgroupArguments": { "v2": "a", "hybrid": "b", "v1": "c", "legacyForce": "d" },
              "releases": [
                { "release": "buster", "docker": "18", "systemd": "241", "legacyCgroups": "native" },
                { "release": "bookworm", "docker": "20.10.24", "systemd": "two", "legacyCgroups": "sometimes" }
              ]
            }
            """;

        var ex = Assert.Throws<InvalidDataException>(() => HostReleases.Parse(json, "r.json"));

        Assert.That(ex!.Message.Split('\n'), Is.EquivalentTo(new[]
        {
            "r.json: packages is empty: a host image needs at least its kernel, systemd and docker.io",
            "r.json: releases[0].release: 'buster' is not a Debian release of images/distros.json",
            "r.json: releases[0].docker: '18' is not a version",
            "r.json: releases[1].systemd: 'two' is not a systemd version",
            "r.json: releases[1].legacyCgroups: 'sometimes' is not one of native, forced, unsupported",
        }));
    }

    [Test]
    public void A_distribution_list_names_its_bad_tool_and_family()
    {
        const string json = """
            {
              "releases": [ { "distro": "arch", "release": "rolling", "registryRepository": "archlinux", "registryTag": "latest", "suite": "x", "tool": "pacstrap", "family": "pacman" } ],
              "templateFamilies": { "debian": "apt" }
            }
            """;

        var ex = Assert.Throws<InvalidDataException>(() => DistroCatalogue.Parse(json, "d.json"));

        Assert.That(ex!.Message, Does.Contain("d.json: releases[0].tool: 'pacstrap' is not one of debootstrap, dnf"));
        Assert.That(ex.Message, Does.Contain("d.json: templateFamilies.debian: 'apt' is no release's family (known: pacman)"));
    }

    [Test]
    public void Vm_hosts_are_every_listed_release_in_every_listed_cgroup_mode()
    {
        var definition = MatrixDefinition.Load(Repo.Layout.Matrices);

        var vms = definition.Hosts.Values.Where(h => h.Kind == HostKind.Vm).ToList();

        Assert.That(vms, Has.Count.EqualTo(12));
        Assert.That(vms.Select(h => h.Name), Does.Contain("vm-trixie-hybrid").And.Contain("vm-forky-v2"));
        Assert.That(vms.Single(h => h.Name == "vm-bookworm-v1"), Is.EqualTo(HostSpec.Vm("bookworm", HostCgroupMode.V1)));
    }
}
