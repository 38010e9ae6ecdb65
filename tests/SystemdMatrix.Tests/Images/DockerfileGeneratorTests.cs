using SystemdMatrix.Images;

namespace SystemdMatrix.Tests.Images;

public sealed class DockerfileGeneratorTests
{
    [Test]
    public void Committed_dockerfiles_match_the_manifest()
    {
        var drift = DockerfileGenerator.Drift(ImageManifest.Load(Repo.Layout.Manifest), Repo.Layout.ImagesRoot);

        Assert.That(drift, Is.Empty, "run `dotnet cake --target=Generate` and commit the result");
    }

    [Test]
    public void Drift_check_catches_a_hand_edit_a_missing_file_and_an_orphan()
    {
        var root = CopyImagesFolder();
        try
        {
            var manifest = ImageManifest.Load(Path.Combine(root, "manifest.json"));
            var first = manifest.Images[0];
            File.AppendAllText(Path.Combine(root, first.Folder, "Dockerfile"), "RUN echo hand edit\n");
            Directory.CreateDirectory(Path.Combine(root, "debian", "gone"));
            File.WriteAllText(Path.Combine(root, "debian", "gone", "Dockerfile"), "FROM scratch\n");

            var drift = DockerfileGenerator.Drift(manifest, root);

            Assert.That(drift, Does.Contain($"images/{first.Folder}/Dockerfile differs from what images/manifest.json generates"));
            Assert.That(drift, Does.Contain("images/debian/gone/Dockerfile belongs to no image in the manifest"));

            var changes = DockerfileGenerator.Write(manifest, root);

            Assert.That(changes, Does.Contain($"wrote images/{first.Folder}/Dockerfile"));
            Assert.That(changes, Does.Contain("removed images/debian/gone/Dockerfile"));
            Assert.That(DockerfileGenerator.Drift(manifest, root), Is.Empty);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Test]
    public void Rendering_fills_every_placeholder()
    {
        var image = new ImageDefinition("x", "debian", "trixie", null, "debian", ["systemd", "dbus"], ["getty.target"], BaseSource.Auto);

        var text = DockerfileGenerator.Render(image, "FROM {{registryBase}}\nRUN install {{packages}}\nRUN mask {{maskUnits}}\n");

        Assert.That(text, Is.EqualTo("FROM debian:trixie\nRUN install systemd dbus\nRUN mask getty.target\n"));
    }

    [Test]
    public void An_unknown_placeholder_is_an_error_naming_the_template()
    {
        var image = new ImageDefinition("x", "debian", "trixie", null, "debian", [], [], BaseSource.Auto);

        var ex = Assert.Throws<ManifestException>(() => DockerfileGenerator.Render(image, "FROM {{bogus}}"));

        Assert.That(ex!.Message, Does.Contain("images/templates/debian.Dockerfile: unknown placeholder {{bogus}}"));
    }

    [Test]
    public void Every_generated_dockerfile_runs_systemd_with_its_stop_signal()
    {
        foreach (var file in DockerfileGenerator.Generate(ImageManifest.Load(Repo.Layout.Manifest), Repo.Layout.ImagesRoot))
        {
            Assert.That(file.Content, Does.Contain("CMD [\"/lib/systemd/systemd\"]").Or.Contain("CMD [\"/usr/lib/systemd/systemd\"]"), file.RelativePath);
            Assert.That(file.Content, Does.Match(@"ENV container[ =]docker"), file.RelativePath);
        }
    }

    private static string CopyImagesFolder()
    {
        var target = Path.Combine(Path.GetTempPath(), "smx-images-" + Guid.NewGuid().ToString("N")[..8]);
        foreach (var file in Directory.EnumerateFiles(Repo.Layout.ImagesRoot, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(Repo.Layout.ImagesRoot, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        return target;
    }
}
