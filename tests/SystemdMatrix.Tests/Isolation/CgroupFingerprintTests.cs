using SystemdMatrix.Isolation;
using SystemdMatrix.Processes;

namespace SystemdMatrix.Tests.Isolation;

public sealed class CgroupFingerprintTests
{
    private const string ContainerId = "0be34b8ec5806b0760093e39dea35f4305262d276ecc5047a5f0ff43871ed6d0";

    [Test]
    public void Containers_own_subtrees_the_harness_helper_and_ignored_subtrees_are_not_the_hosts_state()
    {
        var output = string.Join('\n',
            "d .",
            "c . cpu memory pids",
            "d ./system.slice",
            $"d ./system.slice/docker-{ContainerId}.scope",
            $"d ./system.slice/docker-{ContainerId}.scope/init.scope",
            "d ./docker",
            "c ./docker memory pids cpu",
            $"d ./docker/{ContainerId}",
            $"c ./docker/{ContainerId} memory",
            "d ./systemd-matrix-agent.slice",
            "d ./memory/process_api",
            "d ./memory/process_api/2fb772f8",
            "garbage line");

        var fingerprint = CgroupFingerprint.Parse(output, ["memory/process_api"]);

        Assert.That(fingerprint.Directories, Is.EquivalentTo(new[] { ".", "system.slice", "docker" }));
        Assert.That(fingerprint.SubtreeControl, Is.EquivalentTo(new Dictionary<string, string> { ["."] = "cpu memory pids", ["docker"] = "cpu memory pids" }),
            "controllers are compared as a set, whatever order the kernel lists them in");
    }

    [Test]
    public void The_difference_names_what_was_made_removed_and_switched()
    {
        var baseline = CgroupFingerprint.Parse("d .\nc . memory pids\nd ./system.slice\nd ./docker\nc ./docker \n");
        var now = CgroupFingerprint.Parse("d .\nc . cpu memory pids\nd ./docker\nc ./docker \nd ./init.scope\nd ./init.scope/x.service\n");

        var diff = now.Since(baseline);

        Assert.That(diff.IsEmpty, Is.False);
        Assert.That(diff.Lines(), Is.EqualTo(new[]
        {
            "+ /sys/fs/cgroup/init.scope",
            "+ /sys/fs/cgroup/init.scope/x.service",
            "- /sys/fs/cgroup/system.slice",
            "~ /sys/fs/cgroup/cgroup.subtree_control: 'memory pids' -> 'cpu memory pids'",
        }));
        Assert.That(baseline.Since(baseline).IsEmpty, Is.True);
    }

    /// <summary>
    /// Measured on vm-bullseye-v2 under the systemd driver: while any container runs, the host's systemd enables every
    /// controller on docker.slice and trims them some time after the last container has gone, so a failed cell was
    /// charged with that change or not depending on how soon it was looked at.
    /// </summary>
    [Test]
    public void What_the_engine_does_for_any_container_is_not_charged_to_the_cell()
    {
        var baseline = CgroupFingerprint.Parse("d .\nc . cpu memory pids\nd ./docker.slice\nc ./docker.slice hugetlb rdma\n");
        var whilePlainRuns = CgroupFingerprint.Parse("d .\nc . cpu memory pids\nd ./docker.slice\nc ./docker.slice cpu cpuset hugetlb io memory pids rdma\nd ./machine.slice\n");
        var lingering = CgroupFingerprint.Parse("d .\nc . cpu memory pids\nd ./docker.slice\nc ./docker.slice cpu cpuset hugetlb io memory pids rdma\nd ./machine.slice\n");
        var written = CgroupFingerprint.Parse("d .\nc . cpu io memory pids\nd ./docker.slice\nc ./docker.slice io memory\nd ./machine.slice\nd ./init.scope\n");

        Assert.That(lingering.Since(baseline).IsEmpty, Is.False, "the tree does differ from the baseline, and is put back");
        Assert.That(lingering.Since(baseline).NotDoneForAnyContainer([whilePlainRuns]).IsEmpty, Is.True);
        Assert.That(written.Since(baseline).NotDoneForAnyContainer([whilePlainRuns]).Lines(), Is.EqualTo(new[]
        {
            "+ /sys/fs/cgroup/init.scope",
            "~ /sys/fs/cgroup/cgroup.subtree_control: 'cpu memory pids' -> 'cpu io memory pids'",
            "~ /sys/fs/cgroup/docker.slice/cgroup.subtree_control: 'hugetlb rdma' -> 'io memory'",
        }));
    }

    [Test]
    public void A_cgroup2_hierarchys_options_are_part_of_the_hosts_state_and_are_set_back_by_mounting_it_with_them()
    {
        var baseline = CgroupFingerprint.Parse("d .\no . rw,nsdelegate,memory_recursiveprot\n");
        var reset = CgroupFingerprint.Parse("d .\no . ro\n");

        var diff = reset.Since(baseline);

        Assert.That(CgroupFingerprint.Parse("d .\no . ro,memory_recursiveprot,nsdelegate\n").Since(baseline).IsEmpty, Is.True, "rw or ro is the reader's mount, not the hierarchy's");
        Assert.That(diff.Lines(), Is.EqualTo(new[] { "~ /sys/fs/cgroup cgroup2 options: 'memory_recursiveprot nsdelegate' -> ''" }));
        Assert.That(diff.RestoreScript(), Does.Contain("mount -t cgroup2 -o 'memory_recursiveprot,nsdelegate' none"));
    }

    /// <summary>The script reads this machine's own cgroup2 mounts (a hybrid host's unified hierarchy) from mountinfo.</summary>
    [Test]
    public async Task The_fingerprint_script_reads_the_options_of_the_cgroup2_mounts_below_the_root()
    {
        var mounts = File.ReadAllLines("/proc/self/mountinfo").Where(l => l.Contains(" - cgroup2 ", StringComparison.Ordinal)).ToList();
        var fingerprint = await ReadAsync(CgroupFingerprint.Root);

        var expected = mounts
            .Select(l => (Point: l.Split(' ')[4], Options: l.Split(" - ")[1].Split(' ')[2]))
            .Where(m => m.Point == CgroupFingerprint.Root || m.Point.StartsWith(CgroupFingerprint.Root + "/", StringComparison.Ordinal))
            .ToDictionary(m => m.Point == CgroupFingerprint.Root ? "." : m.Point[(CgroupFingerprint.Root.Length + 1)..], m => string.Join(' ', m.Options.Split(',').Where(o => o is not ("rw" or "ro")).Order(StringComparer.Ordinal)));
        Assert.That(fingerprint.MountOptions, Is.EquivalentTo(expected));
    }

    /// <summary>The fingerprint and restore scripts run for real, on a folder standing in for the cgroup tree.</summary>
    [Test]
    public async Task The_restore_script_puts_a_tree_back_and_the_fingerprint_script_then_matches_the_baseline()
    {
        var root = Path.Combine(Path.GetTempPath(), "smx-cgroup-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "system.slice"));
            Directory.CreateDirectory(Path.Combine(root, "docker", ContainerId));
            File.WriteAllText(Path.Combine(root, "cgroup.subtree_control"), "memory pids\n");
            Directory.CreateDirectory(Path.Combine(root, "cpu,cpuacct"));
            File.CreateSymbolicLink(Path.Combine(root, "cpu"), "cpu,cpuacct");
            File.CreateSymbolicLink(Path.Combine(root, "cpuacct"), "cpu,cpuacct");
            var baseline = await ReadAsync(root);
            Assert.That(baseline.Links, Is.EquivalentTo(new Dictionary<string, string> { ["cpu"] = "cpu,cpuacct", ["cpuacct"] = "cpu,cpuacct" }));

            // What a container with the host's tree bound read-write leaves: systemd's own layout at the root.
            Directory.CreateDirectory(Path.Combine(root, "init.scope"));
            Directory.CreateDirectory(Path.Combine(root, "system.slice", "systemd-journald.service"));
            Directory.Delete(Path.Combine(root, "system.slice", "systemd-journald.service"));
            Directory.CreateDirectory(Path.Combine(root, "user.slice", "user-0.slice"));
            Directory.Delete(Path.Combine(root, "system.slice"));
            // And what systemd does on a host whose tmpfs lacks a joined v1 hierarchy: links to where it would mount it.
            File.CreateSymbolicLink(Path.Combine(root, "net_cls"), "net_cls,net_prio");
            File.Delete(Path.Combine(root, "cpuacct"));
            File.Delete(Path.Combine(root, "cpu"));
            File.CreateSymbolicLink(Path.Combine(root, "cpu"), "elsewhere");
            var dirty = (await ReadAsync(root)).Since(baseline);
            Assert.That(dirty.Added, Is.EqualTo(new[] { "init.scope", "user.slice", "user.slice/user-0.slice" }));
            Assert.That(dirty.Removed, Is.EqualTo(new[] { "system.slice" }));
            Assert.That(dirty.Lines(), Is.SupersetOf(new[]
            {
                "~ /sys/fs/cgroup/cpu -> 'cpu,cpuacct' -> 'elsewhere'",
                "- /sys/fs/cgroup/cpuacct -> cpu,cpuacct",
                "+ /sys/fs/cgroup/net_cls -> net_cls,net_prio",
            }));

            var script = dirty.RestoreScript(root);
            var result = await ProcessRunner.RunAsync("/bin/sh", ["-c", script]);
            Assert.That(result.StandardOutput, Does.Not.Contain("fail"), result.StandardOutput);

            Assert.That((await ReadAsync(root)).Since(baseline).IsEmpty, Is.True, string.Join('\n', (await ReadAsync(root)).Since(baseline).Lines()));
            Assert.That(Directory.Exists(Path.Combine(root, "docker", ContainerId)), Is.True, "a container's own cgroup is left alone");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>
    /// Measured on this machine (hybrid, PID 1 not systemd): a cell left the tmpfs at the top read-only or writable,
    /// and the next cell with the tree bound read-write made v1 mount points there only when writable.
    /// </summary>
    [Test]
    public void The_tmpfs_at_the_top_being_read_only_is_state_and_is_made_writable_only_while_the_top_is_put_back()
    {
        const string Top = "d .\nd ./memory\nt . ";
        var readOnly = CgroupFingerprint.Parse(Top + "ro\n");
        var flipped = CgroupFingerprint.Parse(Top + "rw\nd ./hugetlb\nl ./net_cls net_cls,net_prio\n");

        var diff = flipped.Since(readOnly);

        Assert.That(readOnly.RootReadOnly, Is.True);
        Assert.That(diff.Lines(), Is.EqualTo(new[] { "+ /sys/fs/cgroup/hugetlb", "~ /sys/fs/cgroup tmpfs: 'ro' -> 'rw'", "+ /sys/fs/cgroup/net_cls -> net_cls,net_prio" }));
        var script = diff.RestoreScript().Split('\n');
        var rmdir = Array.FindIndex(script, l => l.Contains("rmdir 'hugetlb'", StringComparison.Ordinal));
        var rm = Array.FindIndex(script, l => l.StartsWith("rm -f 'net_cls'", StringComparison.Ordinal));
        var ro = Array.FindIndex(script, l => l.StartsWith("mount -o remount,ro", StringComparison.Ordinal));
        Assert.That(rmdir, Is.GreaterThan(0));
        Assert.That(rm, Is.GreaterThan(0));
        Assert.That(ro, Is.GreaterThan(Math.Max(rmdir, rm)), "read-only again only after the top is put back");
        Assert.That(script, Has.None.StartsWith("mount -o remount,rw"), "it is writable already");

        // The other way round: a cell left it read-only over a writable defined state with a mount point it made.
        var back = CgroupFingerprint.Parse(Top + "ro\nd ./hugetlb\n").Since(CgroupFingerprint.Parse(Top + "rw\n")).RestoreScript().Split('\n');
        Assert.That(back[1], Does.StartWith("mount -o remount,rw"), "writable first, or nothing there can be removed");
        Assert.That(back, Has.None.StartsWith("mount -o remount,ro"));
        Assert.That(CgroupFingerprint.Parse(Top + "ro\n").Since(readOnly).IsEmpty, Is.True);
    }

    [Test]
    public void Controllers_are_switched_off_deepest_first_and_back_on_shallowest_first()
    {
        var baseline = CgroupFingerprint.Parse("d .\nc . memory pids\nd ./docker\nc ./docker memory\n");
        var now = CgroupFingerprint.Parse("d .\nc . cpu pids\nd ./docker\nc ./docker cpu memory\n");

        var lines = now.Since(baseline).RestoreScript().Split('\n').Where(l => l.StartsWith("echo", StringComparison.Ordinal)).ToList();

        // The kernel refuses to switch a controller off in a parent while a child still has it on.
        Assert.That(lines, Is.EqualTo(new[]
        {
            "echo -cpu > 'docker/cgroup.subtree_control' 2>/dev/null || echo fail disable cpu in 'docker/cgroup.subtree_control'",
            "echo -cpu > './cgroup.subtree_control' 2>/dev/null || echo fail disable cpu in './cgroup.subtree_control'",
            "echo +memory > './cgroup.subtree_control' 2>/dev/null || echo fail enable memory in './cgroup.subtree_control'",
        }));
    }

    [Test]
    public async Task What_the_kernel_refuses_is_reported_by_the_restore_script()
    {
        var root = Path.Combine(Path.GetTempPath(), "smx-cgroup-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Directory.CreateDirectory(root);
            var baseline = await ReadAsync(root);
            Directory.CreateDirectory(Path.Combine(root, "init.scope"));
            // A file inside stands in for a cgroup that still has processes: rmdir fails.
            File.WriteAllText(Path.Combine(root, "init.scope", "cgroup.procs"), "1\n");
            var diff = (await ReadAsync(root)).Since(baseline);

            var result = await ProcessRunner.RunAsync("/bin/sh", ["-c", diff.RestoreScript(root)]);

            Assert.That(result.StandardOutput, Does.Contain("fail rmdir init.scope"));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<CgroupFingerprint> ReadAsync(string root)
    {
        var result = await ProcessRunner.RunCheckedAsync("/bin/sh", ["-c", CgroupFingerprint.Script(root)]);
        return CgroupFingerprint.Parse(result.StandardOutput);
    }
}
