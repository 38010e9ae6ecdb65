using SystemdMatrix.Data;
using SystemdMatrix.Images;
using SystemdMatrix.Matrix;
using SystemdMatrix.Runs;
using SystemdMatrix.Signatures;

namespace SystemdMatrix.Tests.Data;

/// <summary>The checkout's data files are read as one, and every problem in any of them is reported before anything starts.</summary>
public sealed class ProjectDataTests
{
    private string _root = string.Empty;

    [SetUp]
    public void CopyTheCheckoutsDataFiles()
    {
        _root = Directory.CreateTempSubdirectory("smx-data-").FullName;
        Directory.CreateDirectory(Path.Combine(_root, "images"));
        Directory.CreateDirectory(Path.Combine(_root, "matrix"));
        File.Copy(Repo.Layout.Manifest, Path.Combine(_root, "images", "manifest.json"));
        File.Copy(Repo.Layout.Matrices, Path.Combine(_root, "matrix", "matrices.json"));
        File.Copy(Repo.Layout.Signatures, Path.Combine(_root, "matrix", "signatures.json"));
    }

    [TearDown]
    public void RemoveTheCopy() => Directory.Delete(_root, recursive: true);

    private RepositoryLayout Layout => new(_root);

    [Test]
    public void The_checkouts_data_files_agree_with_each_other()
    {
        var data = ProjectData.Load(Repo.Layout);

        Assert.That(data.Definition.Matrices, Is.Not.Empty);
        Assert.That(data.Signatures.Signatures.Select(s => s.Id), Is.EquivalentTo(SignatureCatalogue.Default.Signatures.Select(s => s.Id)),
            "the embedded copy is the checkout's file");
    }

    [Test]
    public void A_matrix_naming_an_image_the_manifest_lacks_and_a_broken_pattern_are_reported_together()
    {
        Edit("matrix/matrices.json", "\"debian-bookworm\"", "\"debian-bookwurm\"", onlyFirst: true);
        Edit("matrix/signatures.json", "\"Detected unsupported legacy cgroup hierarchy, refusing execution\"", "\"refusing (execution\"", onlyFirst: true);

        var ex = Assert.Throws<InvalidDataException>(() => ProjectData.Load(Layout));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Message, Does.Contain("'debian-bookwurm' is not an image of"));
            Assert.That(ex.Message, Does.Contain("signatures.json: signatures[0].patterns: 'refusing (execution' is not a valid regular expression"));
        });
    }

    [Test]
    public void An_edit_to_the_checkouts_signatures_counts_without_a_rebuild()
    {
        Edit("matrix/signatures.json", "\"Detected unsupported legacy cgroup hierarchy, refusing execution\"", "\"a line only this test writes\"", onlyFirst: true);

        var data = ProjectData.Load(Layout);

        Assert.That(data.Signatures.Classify(["a line only this test writes"])?.Signature.Id, Is.EqualTo("cgroup-v1-unsupported"));
        Assert.That(SignatureCatalogue.Default.Classify(["a line only this test writes"]), Is.Null, "the embedded copy was not edited");
    }

    [Test]
    public void A_key_given_twice_is_an_error_not_a_silent_last_one_wins()
    {
        const string json = """
            {
              "daemons": { "default": {} },
              "matrices": {
                "m": { "images": ["a"], "axes": { "cgroupns": ["host"], "mount": ["none"], "privilege": ["none"], "tmpfs": ["on"] } },
                "m": { "images": ["b"], "axes": { "cgroupns": ["host"], "mount": ["none"], "privilege": ["none"], "tmpfs": ["on"] } }
              }
            }
            """;

        var ex = Assert.Throws<MatrixException>(() => MatrixDefinition.Parse(json, "matrix/matrices.json"));

        Assert.That(ex!.Message, Does.StartWith("matrix/matrices.json (line 5): malformed matrix definition at matrices.m"));
        Assert.That(ex.Message, Does.Contain("duplicate").IgnoreCase);
    }

    [Test]
    public void A_missing_file_is_named()
    {
        File.Delete(Path.Combine(_root, "images", "manifest.json"));

        var ex = Assert.Throws<InvalidDataException>(() => ProjectData.Load(Layout));

        Assert.That(ex!.Message, Does.Contain("images/manifest.json: the image manifest does not exist"));
    }

    private void Edit(string file, string from, string to, bool onlyFirst)
    {
        var path = Path.Combine(_root, file);
        var text = File.ReadAllText(path);
        var at = text.IndexOf(from, StringComparison.Ordinal);
        Assert.That(at, Is.GreaterThanOrEqualTo(0), $"{file} holds {from}");
        File.WriteAllText(path, onlyFirst ? text[..at] + to + text[(at + from.Length)..] : text.Replace(from, to, StringComparison.Ordinal));
    }
}
