using SystemdMatrix.Images;

namespace SystemdMatrix.Tests.Images;

public sealed class ImageManifestTests
{
    private const string Valid = """
        {
          "mirrors": { "debian": "http://deb.debian.org/debian" },
          "images": [
            { "name": "debian-bookworm", "distro": "debian", "release": "bookworm", "template": "debian",
              "packages": ["systemd", "dbus"], "maskUnits": ["getty.target"], "source": "auto" }
          ]
        }
        """;

    [Test]
    public void The_repositorys_manifest_is_valid()
    {
        var manifest = ImageManifest.Load(Repo.Layout.Manifest);

        Assert.That(manifest.Images, Is.Not.Empty);
        Assert.That(manifest.Images.Select(i => i.Name), Is.Unique);
    }

    [Test]
    public void A_valid_entry_becomes_an_image_definition()
    {
        var image = ImageManifest.Parse(Valid, "m.json").Images.Single();

        Assert.That(image.Folder, Is.EqualTo("debian/bookworm"));
        Assert.That(image.Tag, Is.EqualTo("systemd-matrix/debian:bookworm"));
        Assert.That(image.Packages, Is.EqualTo(new[] { "systemd", "dbus" }));
        Assert.That(image.Source, Is.EqualTo(BaseSource.Auto));
        Assert.That(image.ReleaseInfo.Suite, Is.EqualTo("bookworm"));
    }

    [Test]
    public void Every_problem_is_reported_at_once_naming_file_and_field()
    {
        const string json = """
            { "images": [
              { "name": "Bad Name", "distro": "debian", "release": "buster", "template": "debian", "source": "ftp" },
              { "name": "f", "distro": "fedora", "release": "44", "template": "debian" },
              { "name": "g", "distro": "gentoo", "release": "1", "template": "nope" },
              { "distro": "debian", "release": "bookworm", "template": "debian", "packages": ["ok", "rm -rf"] }
            ] }
            """;

        var ex = Assert.Throws<ManifestException>(() => ImageManifest.Parse(json, "images/manifest.json"));
        var message = ex!.Message;

        Assert.Multiple(() =>
        {
            Assert.That(message, Does.Contain("images/manifest.json: images[0] (Bad Name).name: 'Bad Name' may only contain"));
            Assert.That(message, Does.Contain("images[0] (Bad Name).release: unknown debian release 'buster' (known: bullseye, bookworm, trixie, forky)"));
            Assert.That(message, Does.Contain("images[0] (Bad Name).source: unknown base source 'ftp'"));
            Assert.That(message, Does.Contain("images[1] (f).template: 'debian' is written for apt distributions, fedora uses dnf"));
            Assert.That(message, Does.Contain("images[2] (g).distro: unknown distro 'gentoo'"));
            Assert.That(message, Does.Contain("images[2] (g).template: unknown template 'nope'"));
            Assert.That(message, Does.Contain("images[3].name is missing"));
            Assert.That(message, Does.Contain("images[3].packages: 'rm -rf' is not a package name"));
        });
    }

    [Test]
    public void Malformed_json_names_the_file_and_line()
    {
        var ex = Assert.Throws<ManifestException>(() => ImageManifest.Parse("{\n  \"images\": [ { \"name\": } ]\n}", "images/manifest.json"));

        Assert.That(ex!.Message, Does.StartWith("images/manifest.json (line 2): malformed manifest"));
    }

    [Test]
    public void Unknown_fields_are_rejected_rather_than_ignored()
    {
        var ex = Assert.Throws<ManifestException>(() => ImageManifest.Parse(
            """{ "images": [ { "name": "a", "distro": "debian", "release": "bookworm", "template": "debian", "pakages": [] } ] }""", "m.json"));

        Assert.That(ex!.Message, Does.Contain("pakages"));
    }

    [Test]
    public void Two_images_in_one_folder_are_rejected()
    {
        const string json = """
            { "images": [
              { "name": "a", "distro": "debian", "release": "bookworm", "template": "debian" },
              { "name": "b", "distro": "debian", "release": "bookworm", "template": "debian" }
            ] }
            """;

        var ex = Assert.Throws<ManifestException>(() => ImageManifest.Parse(json, "m.json"));

        Assert.That(ex!.Message, Does.Contain("a and b would share images/debian/bookworm; give one a variant"));
    }

    [Test]
    public void Mirrors_come_from_the_environment_before_the_manifest()
    {
        var mirrors = new MirrorSettings("http://d", null, null);
        var settings = SystemdMatrix.Settings.HarnessSettings.Parse(new Dictionary<string, string> { ["SYSTEMD_MATRIX_MIRROR_UBUNTU"] = "http://u" });

        var effective = mirrors.With(settings);

        Assert.That(effective.For("ubuntu"), Is.EqualTo("http://u"));
        Assert.That(effective.For("debian"), Is.EqualTo("http://d"));
        Assert.That(effective.For("fedora"), Is.Null);
    }
}
