using SystemdMatrix.Processes;

namespace SystemdMatrix.Tests.Processes;

public sealed class RecordedFolderTests
{
    /// <summary>
    /// A concurrent run's reaper once deleted a VM's staging folder between its creation and its record's write (the
    /// run then failed with "Could not find a part of the path .../.smx-vm-ID.creating"): the staging name now says whose it is.
    /// </summary>
    [Test]
    public void A_staging_folder_of_a_live_process_is_left_alone_and_one_of_a_dead_process_is_reaped()
    {
        var parent = Directory.CreateTempSubdirectory("systemd-matrix-staging-");
        try
        {
            var self = Environment.ProcessId;
            var live = Directory.CreateDirectory(Path.Combine(parent.FullName, $".smx-t-live.{self}-{Posix.StartTicks(self)}.creating"));
            var restarted = Directory.CreateDirectory(Path.Combine(parent.FullName, $".smx-t-reused.{self}-{Posix.StartTicks(self) + 1}.creating"));
            var unnamed = Directory.CreateDirectory(Path.Combine(parent.FullName, ".smx-t-old.creating"));

            var reaped = RecordedFolder.ReapStaging(parent.FullName, "smx-t-");

            Assert.Multiple(() =>
            {
                Assert.That(reaped, Is.EquivalentTo(new[] { restarted.FullName, unnamed.FullName }), "a pid that now names another process, and a name that names nobody");
                Assert.That(live.Exists, Is.True);
            });
        }
        finally
        {
            parent.Delete(recursive: true);
        }
    }

    [Test]
    public void The_folder_appears_with_its_record_and_no_staging_folder_is_left()
    {
        var parent = Directory.CreateTempSubdirectory("systemd-matrix-recorded-");
        try
        {
            var folder = Path.Combine(parent.FullName, "smx-t-1");
            RecordedFolder.Create(folder, "owner.json", "{}");

            Assert.Multiple(() =>
            {
                Assert.That(File.ReadAllText(Path.Combine(folder, "owner.json")), Is.EqualTo("{}"));
                Assert.That(Directory.GetDirectories(parent.FullName), Is.EqualTo(new[] { folder }));
                Assert.That(File.GetUnixFileMode(folder), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
            });
        }
        finally
        {
            parent.Delete(recursive: true);
        }
    }
}
