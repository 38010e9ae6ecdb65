using SystemdMatrix.Images;

namespace SystemdMatrix.Tests.Images;

public sealed class ImageCacheTests
{
    private const string Current = "1111111111111111";
    private const string OldIdle = "2222222222222222";
    private const string OldInUse = "3333333333333333";

    [Test]
    public void Superseded_entries_go_once_unused_for_the_idle_time_and_the_current_one_and_other_names_stay()
    {
        var root = Path.Combine(Path.GetTempPath(), "smx-cache-test-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var images = Path.Combine(root, "images");
            var hosts = Path.Combine(root, "hosts");
            Directory.CreateDirectory(images);
            Directory.CreateDirectory(hosts);
            var longAgo = DateTime.UtcNow.AddHours(-3);

            foreach (var key in new[] { Current, OldIdle, OldInUse })
            {
                foreach (var ext in new[] { ".tar", ".json" })
                {
                    File.WriteAllText(Path.Combine(images, $"debian-bookworm-{key}{ext}"), key);
                    File.SetLastWriteTimeUtc(Path.Combine(images, $"debian-bookworm-{key}{ext}"), key == OldInUse ? DateTime.UtcNow : longAgo);
                }

                Directory.CreateDirectory(Path.Combine(hosts, $"forky-{key}"));
                File.WriteAllText(Path.Combine(hosts, $"forky-{key}", "host.json"), key);
                Directory.SetLastWriteTimeUtc(Path.Combine(hosts, $"forky-{key}"), key == OldInUse ? DateTime.UtcNow : longAgo);
            }

            // Same prefix, different artefact: never one of debian-bookworm's entries.
            File.WriteAllText(Path.Combine(images, $"debian-bookworm-broken-{OldIdle}.tar"), "other");
            File.SetLastWriteTimeUtc(Path.Combine(images, $"debian-bookworm-broken-{OldIdle}.tar"), longAgo);

            var cache = new ImageCache(root);
            var prunedImages = cache.PruneSuperseded("images", "debian-bookworm", Current, TimeSpan.FromHours(1));
            var prunedHosts = cache.PruneSuperseded("hosts", "forky", Current, TimeSpan.FromHours(1));

            Assert.That(prunedImages.Select(Path.GetFileName), Is.EquivalentTo(new[] { $"debian-bookworm-{OldIdle}.tar", $"debian-bookworm-{OldIdle}.json" }));
            Assert.That(prunedHosts.Select(Path.GetFileName), Is.EqualTo(new[] { $"forky-{OldIdle}" }));
            Assert.That(Directory.EnumerateFileSystemEntries(images).Select(Path.GetFileName), Is.EquivalentTo(new[]
            {
                $"debian-bookworm-{Current}.tar", $"debian-bookworm-{Current}.json",
                $"debian-bookworm-{OldInUse}.tar", $"debian-bookworm-{OldInUse}.json",
                $"debian-bookworm-broken-{OldIdle}.tar",
            }));
            Assert.That(Directory.EnumerateDirectories(hosts).Select(Path.GetFileName), Is.EquivalentTo(new[] { $"forky-{Current}", $"forky-{OldInUse}" }));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Test]
    public void Using_an_entry_marks_it_so_pruning_waits()
    {
        var folder = Path.Combine(Path.GetTempPath(), "smx-cache-mark-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        try
        {
            Directory.SetLastWriteTimeUtc(folder, DateTime.UtcNow.AddDays(-2));
            var before = DateTime.UtcNow;
            ImageCache.MarkUsed(folder);
            // Marked at or after the moment before the call: however long the call took, never the old time.
            Assert.That(Directory.GetLastWriteTimeUtc(folder), Is.GreaterThanOrEqualTo(before.AddSeconds(-1)));
        }
        finally
        {
            Directory.Delete(folder);
        }
    }
}
