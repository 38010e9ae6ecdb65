using SystemdMatrix.Images;

namespace SystemdMatrix.Tests.Images;

public sealed class RecipeHashTests
{
    private static readonly ImageDefinition Image = new("debian-bookworm", "debian", "bookworm", null, "debian", ["systemd"], [], BaseSource.Auto);

    [Test]
    public void Same_inputs_same_key_regardless_of_order()
    {
        var a = RecipeHash.Of(new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" });
        var b = RecipeHash.Of(new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" });

        Assert.That(a, Is.EqualTo(b));
        Assert.That(a, Does.Match("^[0-9a-f]{16}$"));
    }

    [Test]
    public void Any_changed_input_changes_the_image_key()
    {
        var key = RecipeHash.ForImage(Image, "FROM x\n", BaseSource.Bootstrap, "rootfs:1");

        Assert.That(RecipeHash.ForImage(Image, "FROM x\n ", BaseSource.Bootstrap, "rootfs:1"), Is.Not.EqualTo(key));
        Assert.That(RecipeHash.ForImage(Image, "FROM x\n", BaseSource.Registry, "rootfs:1"), Is.Not.EqualTo(key));
        Assert.That(RecipeHash.ForImage(Image, "FROM x\n", BaseSource.Bootstrap, "rootfs:2"), Is.Not.EqualTo(key));
        Assert.That(RecipeHash.ForImage(Image with { Name = "other" }, "FROM x\n", BaseSource.Bootstrap, "rootfs:1"), Is.Not.EqualTo(key));
    }

    [Test]
    public void Rootfs_key_depends_on_suite_and_mirror()
    {
        var bookworm = DistroCatalogue.Find("debian", "bookworm")!;
        var trixie = DistroCatalogue.Find("debian", "trixie")!;

        var key = RecipeHash.ForRootfs(bookworm, "http://a");

        Assert.That(RecipeHash.ForRootfs(bookworm with { }, "http://a"), Is.EqualTo(key));
        Assert.That(RecipeHash.ForRootfs(bookworm, "http://b"), Is.Not.EqualTo(key));
        Assert.That(RecipeHash.ForRootfs(trixie, "http://a"), Is.Not.EqualTo(key));
    }

    [Test]
    public void Debootstrap_uses_the_generic_script_for_suites_it_does_not_know()
    {
        var forky = DistroCatalogue.Find("debian", "forky")!;
        var noble = DistroCatalogue.Find("ubuntu", "24.04")!;

        var forkyArgs = RootfsBootstrapper.DebootstrapArguments(forky, "http://m", "/t");
        var nobleArgs = RootfsBootstrapper.DebootstrapArguments(noble, "http://u", "/t");

        Assert.That(forkyArgs.Take(5), Is.EqualTo(new[] { "--variant=minbase", "--arch=amd64", "forky", "/t", "http://m" }));
        if (!File.Exists("/usr/share/debootstrap/scripts/forky"))
        {
            Assert.That(forkyArgs[^1], Is.EqualTo("/usr/share/debootstrap/scripts/sid"));
        }

        Assert.That(nobleArgs.Take(6), Is.EqualTo(new[] { "--variant=minbase", "--arch=amd64", $"--keyring={RootfsBootstrapper.UbuntuKeyring}", "noble", "/t", "http://u" }));
        if (!File.Exists("/usr/share/debootstrap/scripts/noble"))
        {
            Assert.That(nobleArgs[^1], Is.EqualTo("/usr/share/debootstrap/scripts/gutsy"));
        }
    }

    [Test]
    public void Fitness_check_names_what_a_systemd_image_lacks()
    {
        Assert.That(ImageFitness.Problems("[\"/lib/systemd/systemd\"]|SIGRTMIN+3|[\"container=docker\"]"), Is.Empty);

        var problems = ImageFitness.Problems("[\"/bin/bash\"]||[\"PATH=/bin\"]");

        Assert.That(problems, Has.Count.EqualTo(3));
        Assert.That(problems[0], Does.Contain("not systemd"));
        Assert.That(problems[1], Does.Contain("SIGRTMIN+3"));
        Assert.That(problems[2], Does.Contain("container="));
    }
}
