using SystemdMatrix.Boot;

namespace SystemdMatrix.Tests.Boot;

public sealed class BootLogTests
{
    [Test]
    public void Tty_line_endings_and_colour_codes_are_removed()
    {
        var raw = "\u001b[0;1;31mFailed to create /init.scope control group: Read-only file system\u001b[0m\r\r\nExiting PID 1...\r\r\n";

        Assert.That(BootLog.Lines(raw), Is.EqualTo(new[] { "Failed to create /init.scope control group: Read-only file system", "Exiting PID 1..." }));
    }

    [Test]
    public void Container_ids_and_hostnames_are_replaced()
    {
        var line = BootLog.NormaliseLine("Failed to create /docker/c9c25c79fae3c63844b4ad42240165af9a8f8e145d167651f073b8b2f8215a71/init.scope control group: No such file or directory");

        Assert.That(line, Is.EqualTo("Failed to create /docker/<id>/init.scope control group: No such file or directory"));
        Assert.That(BootLog.NormaliseLine("Set hostname to <5e089ab33b12>."), Is.EqualTo("Set hostname to <host>."));
        Assert.That(BootLog.NormaliseLine("Hostname set to <db2a09593b40>."), Is.EqualTo("Hostname set to <<id>>."));
    }

    [Test]
    public void Words_and_versions_that_look_like_hex_are_kept()
    {
        Assert.That(BootLog.NormaliseLine("systemd 252.39-1~deb12u2 running in system mode"), Is.EqualTo("systemd 252.39-1~deb12u2 running in system mode"));
        Assert.That(BootLog.NormaliseLine("Detected architecture x86-64."), Is.EqualTo("Detected architecture x86-64."));
    }

    [Test]
    public void Pids_and_durations_are_replaced()
    {
        Assert.That(BootLog.NormaliseLine("Process 23 (agetty) exited"), Is.EqualTo("Process <pid> (agetty) exited"));
        Assert.That(BootLog.NormaliseLine("Startup finished in 312ms."), Is.EqualTo("Startup finished in <duration>."));
    }

    [Test]
    public void Spinner_rewrites_keep_only_what_stayed_visible()
    {
        var raw = "[ ***  ] A start job is running for x (3s / 1min 30s)\r[  OK  ] Started x.\r\n";

        Assert.That(BootLog.Lines(raw), Is.EqualTo(new[] { "[  OK  ] Started x." }));
    }

    [Test]
    public void Multi_user_line_is_recognised_in_old_and_new_systemd_wording()
    {
        Assert.That(BootLog.IsMultiUserReached("[  OK  ] Reached target Multi-User System."), Is.True);
        Assert.That(BootLog.IsMultiUserReached("[  OK  ] Reached target multi-user.target - Multi-User System."), Is.True);
        Assert.That(BootLog.IsMultiUserReached("[  OK  ] Reached target basic.target - Basic System."), Is.False);
    }

    [Test]
    public void A_real_boot_reaches_multi_user()
    {
        var lines = BootLog.Lines(File.ReadAllText(Repo.LogFile("bookworm-hybrid-seed1-booted.log")));

        Assert.That(lines.Count(BootLog.IsMultiUserReached), Is.EqualTo(1));
        Assert.That(lines, Has.None.Contains("\u001b"));
        Assert.That(lines, Has.None.Contains("\r"));
    }

    [Test]
    public void Snapshot_lines_are_sorted_distinct_and_fold_per_unit_ignored_warnings()
    {
        const string log = """
            b line
            -.slice: Failed to get cgroup ID of cgroup /sys/fs/cgroup/unified/docker/<id>, ignoring: Operation not permitted
            init.scope: Failed to get cgroup ID of cgroup /sys/fs/cgroup/unified/docker/<id>/init.scope, ignoring: Operation not permitted
            a line
            Failed to attach 22 to compat systemd cgroup /dev-hugepages.mount: No such file or directory
            Failed to attach 24 to compat systemd cgroup /system.slice/x.service: No such file or directory
            Failed to create compat systemd cgroup /system.slice/x.service: No such file or directory
            b line
            """;

        Assert.That(BootLog.SnapshotLines(log), Is.EqualTo(new[]
        {
            "<unit>: Failed to get cgroup ID of cgroup <path>, ignoring: Operation not permitted",
            "Failed to attach <pid> to compat systemd cgroup <path>: No such file or directory",
            "Failed to create compat systemd cgroup <path>: No such file or directory",
            "a line",
            "b line",
        }));
    }
}
