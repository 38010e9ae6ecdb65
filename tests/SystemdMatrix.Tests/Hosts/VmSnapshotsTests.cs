using System.Text.Json;
using SystemdMatrix.Engines;
using SystemdMatrix.Hosts;
using SystemdMatrix.Images;
using SystemdMatrix.Matrix;
using SystemdMatrix.Model;

namespace SystemdMatrix.Tests.Hosts;

/// <summary>
/// What a saved VM is keyed by and how it is found: a resumed VM must be exactly the VM a cold boot of the same
/// options would make, so anything that changes the guest's state changes the key. The resume itself is a boot
/// test (VmEngineTests).
/// </summary>
public sealed class VmSnapshotsTests
{
    private static readonly VmOptions Options = VmFixtures.Options("bookworm");

    private static string KeyOf(VmOptions options, string accelerator = "tcg", string qemu = "QEMU emulator version 7.2.22") => VmSnapshots.Key(options, accelerator, qemu);

    [Test]
    public void The_key_is_the_same_for_the_same_options_whatever_the_purpose()
    {
        Assert.That(KeyOf(Options with { Purpose = "another run" }), Is.EqualTo(KeyOf(Options)));
        Assert.That(KeyOf(Options), Does.Match("^[0-9a-f]{16}$"));
    }

    [Test]
    public void Everything_the_guests_state_depends_on_changes_the_key()
    {
        var key = KeyOf(Options);
        var builtAgain = Options.Image with { Facts = Options.Image.Facts with { BuiltAt = DateTimeOffset.UnixEpoch.AddDays(1) } };
        var variants = new Dictionary<string, string>
        {
            ["cgroup mode"] = KeyOf(Options with { CgroupMode = HostCgroupMode.Hybrid }),
            ["daemon profile"] = KeyOf(Options with { Profile = new DaemonProfile("userns-remap", UsernsRemap: true, null, null) }),
            ["cgroup driver"] = KeyOf(Options with { Profile = DaemonProfile.Default with { CgroupDriver = CgroupDriver.Cgroupfs } }),
            ["vCPUs"] = KeyOf(Options with { Cpus = 2 }),
            ["memory"] = KeyOf(Options with { MemoryMegabytes = 4096 }),
            ["release"] = KeyOf(Options with { Release = HostReleases.Find("trixie") }),
            ["host image recipe"] = KeyOf(Options with { Image = Options.Image with { Folder = "/var/cache/systemd-matrix/hosts/bookworm-y" } }),
            ["host image build"] = KeyOf(Options with { Image = builtAgain }),
            ["accelerator"] = KeyOf(Options, accelerator: "kvm"),
            ["qemu"] = KeyOf(Options, qemu: "QEMU emulator version 8.2.0"),
        };

        Assert.That(variants.Where(v => v.Value == key).Select(v => v.Key), Is.Empty, "these left the key unchanged");
        Assert.That(variants.Values.Distinct().Count(), Is.EqualTo(variants.Count));
    }

    [Test]
    public void A_snapshot_is_found_only_when_it_is_whole_and_saved_under_its_key()
    {
        var root = Directory.CreateTempSubdirectory("smx-snapshots-").FullName;
        try
        {
            var snapshots = new VmSnapshots(new ImageCache(root));
            var key = KeyOf(Options);
            var folder = snapshots.FolderFor(Options, key);
            Assert.That(Path.GetFileName(folder), Is.EqualTo($"bookworm-v2-default-{key}"));
            Assert.That(snapshots.TryGet(Options, key), Is.Null, "nothing saved");

            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, "state"), "stream");
            File.WriteAllText(Path.Combine(folder, "disk.qcow2"), "disk");
            Assert.That(snapshots.TryGet(Options, key), Is.Null, "no facts file: a save that did not finish");

            var facts = new VmSnapshotFacts(key, "root=/dev/vda rw", 52.3, DateTimeOffset.UnixEpoch);
            File.WriteAllText(Path.Combine(folder, VmSnapshot.FactsFile), JsonSerializer.Serialize(facts, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
            Assert.That(snapshots.TryGet(Options, key)?.Facts, Is.EqualTo(facts));

            File.Delete(Path.Combine(folder, "state"));
            Assert.That(snapshots.TryGet(Options, key), Is.Null, "no migration stream");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Test]
    public void A_resumed_vm_reads_its_stream_through_a_quoted_path_and_keeps_the_saved_kernel_command_line()
    {
        var snapshot = new VmSnapshot("/var/cache/my cache/vm-snapshots/x", new VmSnapshotFacts("k", "root=/dev/vda rw smx.daemon=SAVED", 50, DateTimeOffset.UnixEpoch));
        var paths = VmPaths.For("smx-vm-00000001");

        Assert.That(VmSnapshots.IncomingArguments(snapshot), Is.EqualTo(new[] { "-incoming", "exec:cat '/var/cache/my cache/vm-snapshots/x/state'" }));
        var arguments = VmEngine.QemuArguments(Options, paths, "tcg", snapshot.Facts.KernelCommandLine);
        Assert.That(arguments[arguments.ToList().IndexOf("-append") + 1], Is.EqualTo("root=/dev/vda rw smx.daemon=SAVED"));
    }

    [Test]
    public void A_runs_estimate_expects_a_resume_where_a_snapshot_of_the_kind_is_saved_and_a_boot_elsewhere()
    {
        var root = Directory.CreateTempSubdirectory("smx-snapshots-").FullName;
        try
        {
            var cache = new ImageCache(root);
            var snapshots = new VmSnapshots(cache);
            var provider = new VmHostProvider(Repo.Layout, cache) { Snapshots = snapshots };
            var folder = snapshots.FolderFor(Options, KeyOf(Options));
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, VmSnapshot.FactsFile), "{}");

            Assert.Multiple(() =>
            {
                Assert.That(provider.ExpectedStartSeconds(HostSpec.Vm("bookworm", HostCgroupMode.V2), DaemonProfile.Default), Is.EqualTo(15));
                Assert.That(provider.ExpectedStartSeconds(HostSpec.Vm("bookworm", HostCgroupMode.Hybrid), DaemonProfile.Default), Is.EqualTo(CellShards.HostCost(HostSpec.Vm("bookworm", HostCgroupMode.Hybrid))), "another cgroup mode");
                Assert.That(provider.ExpectedStartSeconds(HostSpec.Vm("bookworm", HostCgroupMode.V2), DaemonProfile.Default with { Name = "cgroupfs" }), Is.EqualTo(CellShards.HostCost(HostSpec.Vm("bookworm", HostCgroupMode.V2))), "another profile");
            });
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
