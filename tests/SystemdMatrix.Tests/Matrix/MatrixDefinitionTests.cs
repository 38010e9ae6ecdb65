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
}
