using SystemdMatrix.Engines;

namespace SystemdMatrix.Tests.Engines;

public sealed class UsernsRemapSetupTests
{
    [Test]
    public void An_existing_range_is_used_and_nothing_is_added()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "alice:100000:65536\ndockremap:165536:65536\n");
            var created = new List<string>();

            Assert.That(UsernsRemapSetup.EnsureRange(file, created), Is.EqualTo(165536));
            Assert.That(created, Is.Empty);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public void A_missing_range_is_appended_after_the_last_one_in_use()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "alice:100000:65536\nbob:300000:1000");
            var created = new List<string>();

            var start = UsernsRemapSetup.EnsureRange(file, created);

            Assert.That(start, Is.EqualTo(301000));
            Assert.That(File.ReadAllLines(file), Is.EqualTo(new[] { "alice:100000:65536", "bob:300000:1000", "dockremap:301000:65536" }));
            Assert.That(created, Has.Count.EqualTo(1));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public void An_empty_file_gets_the_conventional_first_range()
    {
        var file = Path.GetTempFileName();
        try
        {
            Assert.That(UsernsRemapSetup.EnsureRange(file, []), Is.EqualTo(100000));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
