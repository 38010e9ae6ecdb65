using System.Globalization;
using System.Text.RegularExpressions;
using SystemdMatrix.BootTests.Cli;
using SystemdMatrix.Engines;
using SystemdMatrix.Hosts;
using SystemdMatrix.Images;
using SystemdMatrix.Model;
using SystemdMatrix.Processes;
using SystemdMatrix.Runs;

namespace SystemdMatrix.BootTests.Hosts;

/// <summary>A real VM host: booted, inspected from outside, shut down, and reaped after a crash.</summary>
[NonParallelizable]
public sealed partial class VmEngineTests
{
    private static readonly HostSpec V2Host = new("vm-bullseye-v2", HostKind.Vm, "bullseye", HostCgroupMode.V2);

    [Test]
    [CancelAfter(900_000)]
    public async Task A_v2_host_is_reachable_only_through_its_owner_only_socket_and_leaves_nothing_behind(CancellationToken cancellationToken)
    {
        VmPaths paths;
        await using (var vm = await BootEnvironment.Providers.Vm.StartVmAsync(V2Host, DaemonProfile.Default, "vm test", BootEnvironment.Log, cancellationToken))
        {
            paths = vm.Paths;
            Assert.Multiple(() =>
            {
                Assert.That(vm.Identity.Kind, Is.EqualTo(HostKind.Vm));
                Assert.That(vm.Identity.CgroupMode, Is.EqualTo(HostCgroupMode.V2), "measured from the host's own mount table");
                Assert.That(vm.Identity.Release, Is.EqualTo("bullseye"));
                Assert.That(vm.Identity.EngineVersion, Does.StartWith("20.10.5"), "Debian bullseye's docker.io");
                Assert.That(vm.Identity.SystemdInit, Is.True);
                Assert.That(vm.Info.CgroupVersion, Is.EqualTo("2"));
                Assert.That(File.GetUnixFileMode(paths.StateDirectory), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
                Assert.That(File.GetUnixFileMode(paths.Socket), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite), "the forwarded engine socket is owner-only");
            });

            // The forwarded port lives on loopback of the VM's own network namespace: nothing listens on it here.
            Assert.That(ListeningTcpPorts(File.ReadAllLines("/proc/net/tcp")), Does.Not.Contain(int.Parse(HostImageFiles.DockerPort, CultureInfo.InvariantCulture)));
            var qemu = Posix.AllPids().Select(Posix.CommandLine).Single(c => c.Count > 0 && c[0].EndsWith("qemu-system-x86_64", StringComparison.Ordinal) && c.Any(a => a.Contains(paths.Id, StringComparison.Ordinal)));
            Assert.That(qemu, Has.Some.Contains("restrict=on,hostfwd=tcp:127.0.0.1:"));
            var inside = File.ReadAllLines($"/proc/{Posix.AllPids().First(p => Posix.CommandLine(p).SequenceEqual(qemu))}/net/tcp");
            Assert.That(ListeningTcpPorts(inside), Does.Contain(int.Parse(HostImageFiles.DockerPort, CultureInfo.InvariantCulture)), "inside the VM's namespace the port exists");

            // The guest's own account of its boot: dockerd started without its 15-second warning pause for a TCP
            // port that does not say --tls=false.
            var analysis = await vm.AnalyzeBootAsync(cancellationToken);
            Assert.That(analysis, Does.Contain("Startup finished in").And.Contain("docker.service"));
            Assert.That(analysis, Does.Contain("API listen on").And.Not.Contain("intentionally being slowed down"), analysis);
        }

        AssertNothingLeft(paths);
    }

    [Test]
    [CancelAfter(600_000)]
    public async Task After_a_kill_9_the_next_command_reaps_the_vm(CancellationToken cancellationToken)
    {
        await HostSet.EnsureAsync(BootEnvironment.Layout, [HostReleases.Find("bullseye")], new ImageCache(ImageCache.DefaultRoot), BootEnvironment.Log, cancellationToken);
        string vmId;
        using (var boot = CliProcess.Start("hosts", "boot", "--release", "bullseye", "--cgroup", "v2", "--keep-up"))
        {
            vmId = await boot.WaitForAsync(VmBooting(), cancellationToken);
            // Up and waiting for Ctrl-C: the kill always lands while the VM runs, however fast it booted.
            await boot.WaitForAsync(KeptUp(), cancellationToken);
            Posix.Signal(boot.Pid, Posix.SigKill);
            await boot.WaitForExitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        }

        var paths = VmPaths.For(vmId);
        Assert.That(Posix.AllPids().Any(p => VmTeardown.IsOurs(p, paths)), Is.True, "a killed run cannot stop its VM; it must still be there to reap");

        using var reap = CliProcess.Start("reap");
        Assert.That(await reap.WaitForExitAsync(TimeSpan.FromSeconds(90), cancellationToken), Is.Zero, reap.Output);
        Assert.That(reap.Output, Does.Contain($"reaped {vmId}"));
        AssertNothingLeft(paths);
    }

    [Test]
    [CancelAfter(900_000)]
    public async Task Asking_for_kvm_boots_with_kvm_where_it_works_and_elsewhere_stops_with_a_clear_error_not_a_hang(CancellationToken cancellationToken)
    {
        var (_, image, _) = (await HostSet.EnsureAsync(BootEnvironment.Layout, [HostReleases.Find("bullseye")], new ImageCache(ImageCache.DefaultRoot), BootEnvironment.Log, cancellationToken))[0];
        // What this machine's KVM can do, by the harness's own test boot (or what SYSTEMD_MATRIX_ACCEL says for the tests).
        var works = await AcceleratorProbe.DecideAsync(image.Kernel, image.Initrd, BootEnvironment.Log, cancellationToken) == "kvm";
        // VM hosts the boot tests share stay up between tests: only what this command makes must be gone after it.
        string[] VmFolders() => Directory.Exists(VmPaths.DefaultStateRoot) ? Directory.GetDirectories(VmPaths.DefaultStateRoot) : [];
        var before = VmFolders();

        using var cli = CliProcess.Start(new Dictionary<string, string> { ["SYSTEMD_MATRIX_ACCEL"] = "kvm" }, "hosts", "boot", "--release", "bullseye", "--cgroup", "v2");
        var exit = await cli.WaitForExitAsync(TimeSpan.FromMinutes(10), cancellationToken);
        if (works)
        {
            Assert.That(exit, Is.EqualTo(0), cli.Output);
            Assert.That(cli.Output, Does.Contain("VM accelerator: kvm").And.Contain("; kvm; ready after"));
        }
        else
        {
            Assert.That(exit, Is.EqualTo(1), cli.Output);
            Assert.That(cli.Output, Does.Contain("error: SYSTEMD_MATRIX_ACCEL=kvm, but").And.Not.Contain("booting VM"), "stopped before a VM was started, not after its ready timeout");
        }

        Assert.That(VmFolders().Except(before), Is.Empty, "nothing of a VM left");
    }

    internal static IReadOnlyList<int> ListeningTcpPorts(IEnumerable<string> procNetTcp) =>
        procNetTcp.Skip(1)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length > 3 && f[3] == "0A")
            .Select(f => int.Parse(f[1].Split(':')[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture))
            .ToList();

    private static void AssertNothingLeft(VmPaths paths)
    {
        Assert.That(Posix.AllPids().Where(p => VmTeardown.IsOurs(p, paths)), Is.Empty, "qemu or socat of the VM still running");
        var namespaces = ProcessRunner.RunAsync("ip", ["netns", "list"]).GetAwaiter().GetResult().StandardOutput;
        Assert.That(namespaces, Does.Not.Contain(paths.Namespace));
        Assert.That(Directory.Exists(paths.StateDirectory) || Directory.Exists(paths.DataDirectory), Is.False);
    }

    [GeneratedRegex(@"booting VM (?<value>smx-vm-[0-9a-f]{8})")]
    private static partial Regex VmBooting();

    [GeneratedRegex(@"(?<value>DOCKER_HOST=unix://\S+) \(owner-only socket\); keeping the VM up until Ctrl-C")]
    private static partial Regex KeptUp();
}
