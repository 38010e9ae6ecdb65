using SystemdMatrix.Matrix;
using SystemdMatrix.Model;

namespace SystemdMatrix.Tests.Matrix;

public sealed class MatrixDefinitionTests
{
    [Test]
    public void Foundation_has_every_seed_configuration_and_the_cgroupns_by_mount_grid()
    {
        var definition = MatrixDefinition.Load(Repo.Layout.Matrices);

        var cells = definition.Expand(definition.Find("foundation"));

        var aliases = cells.SelectMany(c => c.Aliases).ToList();
        Assert.That(aliases, Is.EquivalentTo(new[] { "seed#1", "seed#2", "seed#3", "seed#4", "seed#5" }));
        foreach (var cgroupns in new[] { CgroupnsMode.Host, CgroupnsMode.Private })
        {
            foreach (var mount in new[] { CgroupMount.None, CgroupMount.ReadOnlyBind, CgroupMount.ReadWriteBind })
            {
                Assert.That(cells.Count(c => c.Run == new RunProfile(cgroupns, mount, Privilege.None, true)), Is.EqualTo(1), $"{cgroupns} {mount}");
            }
        }

        // Three seed configurations coincide with grid cells: they are one cell each, carrying the alias.
        Assert.That(cells, Has.Count.EqualTo(8));
        Assert.That(cells.Select(c => c.Id), Is.Unique);
    }

    [Test]
    public void Every_error_names_file_and_field()
    {
        const string json = """
            {
              "daemons": { "default": { "cgroupDriver": "upstart" } },
              "seed": [ { "alias": "s", "cgroupns": "shared" } ],
              "matrices": { "m": { "images": [], "daemons": ["nope"], "axes": { "cgroupns": ["host"], "mount": ["sideways"], "privilege": [], "tmpfs": ["maybe"] } } }
            }
            """;

        var ex = Assert.Throws<MatrixException>(() => MatrixDefinition.Parse(json, "matrix/matrices.json"));
        var message = ex!.Message;

        Assert.Multiple(() =>
        {
            Assert.That(message, Does.Contain("matrix/matrices.json: daemons.default.cgroupDriver: unknown value 'upstart' (known: cgroupfs, systemd)"));
            Assert.That(message, Does.Contain("seed[0].cgroupns: unknown value 'shared'"));
            Assert.That(message, Does.Contain("matrices.m.images is empty"));
            Assert.That(message, Does.Contain("matrices.m.daemons: unknown daemon profile 'nope'"));
            Assert.That(message, Does.Contain("matrices.m.axes.mount: unknown value 'sideways' (known: none, ro, rw, rrw)"));
            Assert.That(message, Does.Contain("matrices.m.axes.privilege is empty"));
            Assert.That(message, Does.Contain("matrices.m.axes.tmpfs: unknown value 'maybe'"));
        });
    }

    [Test]
    public void V2_is_the_whole_grid_on_v2_hosts_the_profiles_on_the_seed_cells_and_the_privilege_axis_on_v1_and_hybrid()
    {
        var definition = MatrixDefinition.Load(Repo.Layout.Matrices);

        var cells = definition.Expand(definition.Find("v2"));

        string[] v2Hosts = ["vm-bullseye-v2", "vm-bookworm-v2", "vm-trixie-v2", "vm-forky-v2"];
        var grid = cells.Where(c => c.Daemon.Name == "default" && v2Hosts.Contains(c.Host.Name)).ToList();
        // 3 cgroupns x 4 mounts x 4 privileges, tmpfs on, x 5 images x 4 hosts; the seed's cells are grid cells.
        Assert.That(grid, Has.Count.EqualTo(3 * 4 * 4 * 5 * 4));
        Assert.That(grid.Select(c => c.Image).Distinct(), Is.EquivalentTo(new[] { "seed-replica", "debian-bullseye", "debian-bookworm", "debian-trixie", "debian-forky" }));
        Assert.That(grid.Where(c => c.Host.Name == "vm-forky-v2" && c.Image == "seed-replica").SelectMany(c => c.Aliases), Is.EquivalentTo(new[] { "seed#1", "seed#2", "seed#3", "seed#4", "seed#5" }));

        var profiles = cells.Where(c => c.Daemon.Name != "default").ToList();
        Assert.That(profiles.Select(c => c.Host.Name).Distinct(), Is.EquivalentTo(v2Hosts));
        Assert.That(profiles.Select(c => c.Image).Distinct(), Is.EquivalentTo(new[] { "seed-replica", "debian-bookworm" }));
        // Per host and image: seed#1-4 and the private/none privilege axis (4) for each of the three profiles,
        // and the three remedies for userns-remap (seed#5, #6 and #7 are the axis's privilege-none cell).
        Assert.That(profiles, Has.Count.EqualTo(((3 * (4 + 4)) + 3) * 2 * 4));
        var remap = profiles.Where(c => c.Daemon.Name == "userns-remap" && c.Host.Name == "vm-trixie-v2" && c.Image == "debian-bookworm").ToList();
        Assert.That(remap.SelectMany(c => c.Aliases), Is.SupersetOf(new[] { "seed#7", "remedy#1", "remedy#2", "remedy#3" }));
        Assert.That(remap.Where(c => c.Run is { Cgroupns: CgroupnsMode.Private, CgroupMount: CgroupMount.None, Remedy: Remedy.None }).Select(c => c.Run.Privilege), Is.EquivalentTo(Enum.GetValues<Privilege>()));

        var usedToWork = cells.Where(c => c.Host.CgroupMode != HostCgroupMode.V2 && c.Image != "debian-forky").ToList();
        Assert.That(usedToWork.Select(c => c.Host.Name).Distinct(), Is.EquivalentTo(new[] { "vm-bookworm-v1", "vm-bookworm-hybrid", "vm-trixie-v1", "vm-trixie-hybrid" }));
        // The seed's five configurations x 4 privileges x 2 images x 4 hosts.
        Assert.That(usedToWork, Has.Count.EqualTo(5 * 4 * 2 * 4));
        Assert.That(usedToWork.Where(c => c.Aliases.Count > 0 && c.Host.Name == "vm-bookworm-v1" && c.Image == "seed-replica").Select(c => c.Run.Privilege).Distinct(), Is.EqualTo(new[] { Privilege.None }));
        // And forky's systemd 262, which refuses v1 and hybrid, with the seed's five cells there.
        Assert.That(cells.Count(c => c.Host.CgroupMode != HostCgroupMode.V2 && c.Image == "debian-forky"), Is.EqualTo(5 * 4));
        Assert.That(cells.Select(c => c.Id), Is.Unique);
    }

    [Test]
    public void A_matrix_with_parts_and_fields_of_its_own_is_an_error_naming_the_part()
    {
        const string json = """
            {
              "daemons": { "default": {} },
              "matrices": { "m": { "images": ["x"], "parts": [ { "images": ["x"], "axes": { "cgroupns": ["host"], "mount": ["none"], "privilege": ["none"], "tmpfs": ["on"] } }, { "images": [] , "seed": true } ] } }
            }
            """;

        var message = Assert.Throws<MatrixException>(() => MatrixDefinition.Parse(json, "matrix/matrices.json"))!.Message;

        Assert.Multiple(() =>
        {
            Assert.That(message, Does.Contain("matrices.m: has both parts and images/hosts/daemons/seed/remedies/axes of its own"));
            Assert.That(message, Does.Contain("matrices.m.parts[1].images is empty"));
        });
    }
}
