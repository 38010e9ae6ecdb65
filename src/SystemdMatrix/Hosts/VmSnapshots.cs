using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using SystemdMatrix.Images;
using SystemdMatrix.Model;
using SystemdMatrix.Processes;

namespace SystemdMatrix.Hosts;

/// <summary>What a saved VM host holds beside its memory and disk.</summary>
/// <param name="Key">The recipe key the snapshot was saved under.</param>
/// <param name="KernelCommandLine">The kernel command line of the boot that was saved: a resumed VM must be started with exactly it.</param>
/// <param name="BootSeconds">How long that cold boot took to an engine that answered.</param>
/// <param name="SavedAt">When it was saved.</param>
public sealed record VmSnapshotFacts(string Key, string KernelCommandLine, double BootSeconds, DateTimeOffset SavedAt);

/// <summary>
/// A saved VM host in the cache: <see cref="State"/>, qemu's migration stream (memory and devices), and <see cref="Disk"/>,
/// the VM's copy-on-write disk at the same instant, over the host image's disk.
/// </summary>
public sealed record VmSnapshot(string Folder, VmSnapshotFacts Facts)
{
    public const string FactsFile = "snapshot.json";

    public string State => Path.Combine(Folder, "state");

    public string Disk => Path.Combine(Folder, "disk.qcow2");
}

/// <summary>
/// VM hosts saved the moment their engine first answers and resumed from there. Under TCG a cold boot to an engine
/// that answers takes 40 to 130 s when two VMs boot at once, and a run of the v2 matrix boots one VM per host and
/// daemon profile (20 of them); resuming one reads its saved memory back in a few seconds. The guest resumes in the
/// state a cold boot reaches (the same disk, processes and cgroup tree; nothing of a cell has run yet), and the
/// harness measures the engine and the cgroup mode again, as after a cold boot.
/// <para>
/// The key holds everything the saved state depends on: qemu's whole argument list rendered with placeholder paths
/// (host image, kernel command line with the cgroup mode and daemon profile, vCPUs, memory, accelerator), qemu's own
/// version (a migration stream is read back only by the qemu that wrote it) and the build of the host image's disk
/// (the saved memory holds that file system's caches, so a disk rebuilt from the same recipe needs a new snapshot).
/// </para>
/// </summary>
public sealed class VmSnapshots(ImageCache cache)
{
    /// <summary>The cache folder of snapshots: <c>vm-snapshots/RELEASE-MODE-PROFILE-KEY/</c>.</summary>
    public const string Kind = "vm-snapshots";

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private static readonly VmPaths Placeholder = new("smx-vm-snapshot", "/state", "/data");

    private static readonly SemaphoreSlim QemuVersionGate = new(1, 1);

    private static string? _qemuVersion;

    /// <summary>Snapshots in this cache when the settings allow them (<c>SYSTEMD_MATRIX_VM_SNAPSHOTS</c>), else null: every VM boots cold.</summary>
    public static VmSnapshots? IfEnabled(ImageCache cache) => Settings.HarnessSettings.Current.VmSnapshots ? new VmSnapshots(cache) : null;

    public static string Name(VmOptions options) => Name(options.Release.Release, options.CgroupMode, options.Profile.Name);

    public static string Name(string release, HostCgroupMode mode, string profile) => $"{release}-{AxisNames.Of(mode)}-{profile}";

    /// <summary>
    /// Whether some snapshot of this release, mode and profile is saved, whatever its key: enough for a run's estimate
    /// of how long its hosts take to start (the key needs the accelerator and qemu, known only when a VM starts).
    /// </summary>
    public bool HasAny(string release, HostCgroupMode mode, string profile)
    {
        return Directory.Exists(Root)
            && Directory.EnumerateDirectories(Root, Name(release, mode, profile) + "-*").Any(d => File.Exists(Path.Combine(d, VmSnapshot.FactsFile)));
    }

    public static string Key(VmOptions options, string accelerator, string qemuVersion) => RecipeHash.Of(new Dictionary<string, string>
    {
        ["kind"] = "vm-snapshot",
        ["qemu"] = qemuVersion,
        ["release"] = options.Release.Release,
        ["arguments"] = string.Join('\n', VmEngine.QemuArguments(options, Placeholder, accelerator)),
        ["hostImageBuiltAt"] = options.Image.Facts.BuiltAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
    });

    /// <summary>The first line of <c>qemu-system-x86_64 --version</c>, asked once per process.</summary>
    public static async Task<string> QemuVersionAsync(CancellationToken cancellationToken)
    {
        await QemuVersionGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _qemuVersion ??= (await ProcessRunner.RunCheckedAsync("qemu-system-x86_64", ["--version"], cancellationToken: cancellationToken).ConfigureAwait(false))
                .StandardOutput.Split('\n')[0].Trim();
        }
        finally
        {
            QemuVersionGate.Release();
        }
    }

    public string FolderFor(VmOptions options, string key) => Path.Combine(Root, $"{Name(options)}-{key}");

    /// <summary>The cache's folder of snapshots, one subfolder per kind and key.</summary>
    private string Root => Path.Combine(cache.Root, Kind);

    /// <summary>The snapshot saved under this key, or null when there is none (or it is incomplete).</summary>
    public VmSnapshot? TryGet(VmOptions options, string key)
    {
        var folder = FolderFor(options, key);
        var factsFile = Path.Combine(folder, VmSnapshot.FactsFile);
        if (!File.Exists(factsFile))
        {
            return null;
        }

        var snapshot = new VmSnapshot(folder, JsonSerializer.Deserialize<VmSnapshotFacts>(File.ReadAllText(factsFile), JsonOptions)!);
        if (snapshot.Facts.Key != key || !File.Exists(snapshot.State) || !File.Exists(snapshot.Disk))
        {
            return null;
        }

        ImageCache.MarkUsed(folder);
        return snapshot;
    }

    /// <summary>Removes a snapshot that could not be resumed, so the next VM of its kind boots cold and saves a new one.</summary>
    public static void Discard(VmSnapshot snapshot)
    {
        if (Directory.Exists(snapshot.Folder))
        {
            Directory.Delete(snapshot.Folder, recursive: true);
        }
    }

    /// <summary>
    /// Saves a running VM: pauses it, writes its migration stream and copies its disk while nothing moves, and lets it
    /// run on. The VM is paused for the few seconds this takes, before any cell has started on it. Saved into the
    /// cache's scratch folder first and moved into place whole; when another VM of the same kind saved first, its
    /// snapshot stays and this one is dropped.
    /// </summary>
    public async Task<VmSnapshot> SaveAsync(VmPaths paths, VmOptions options, string key, string kernelCommandLine, TimeSpan bootTime, CancellationToken cancellationToken)
    {
        var scratch = cache.Scratch($"{Kind}-{paths.Id}");
        Directory.CreateDirectory(scratch);
        try
        {
            await using (var qmp = await QmpSession.ConnectAsync(paths.QmpSocket, cancellationToken).ConfigureAwait(false))
            {
                await qmp.ExecuteAsync("stop", null, cancellationToken).ConfigureAwait(false);
                try
                {
                    // The default bandwidth limit (128 MiB/s) would make saving 2 GB of guest memory take seconds for nothing: the VM is paused.
                    await qmp.ExecuteAsync("migrate-set-parameters", new JsonObject { ["max-bandwidth"] = 1L << 40 }, cancellationToken).ConfigureAwait(false);
                    await qmp.ExecuteAsync("migrate", new JsonObject { ["uri"] = "exec:cat > " + ShellWords.Quote(Path.Combine(scratch, "state")) }, cancellationToken).ConfigureAwait(false);
                    await WaitForMigrationAsync(qmp, cancellationToken).ConfigureAwait(false);
                    File.Copy(paths.Overlay, Path.Combine(scratch, "disk.qcow2"));
                }
                finally
                {
                    await qmp.ExecuteAsync("cont", null, CancellationToken.None).ConfigureAwait(false);
                }
            }

            var facts = new VmSnapshotFacts(key, kernelCommandLine, Math.Round(bootTime.TotalSeconds, 1), DateTimeOffset.UtcNow);
            File.WriteAllText(Path.Combine(scratch, VmSnapshot.FactsFile), JsonSerializer.Serialize(facts, JsonOptions));
            var folder = FolderFor(options, key);
            Directory.CreateDirectory(Path.GetDirectoryName(folder)!);
            try
            {
                Directory.Move(scratch, folder);
            }
            catch (IOException) when (Directory.Exists(folder))
            {
                Directory.Delete(scratch, recursive: true);
            }

            cache.PruneSuperseded(Kind, Name(options), key, ImageCache.SupersededIdle);
            return new VmSnapshot(folder, facts);
        }
        catch
        {
            if (Directory.Exists(scratch))
            {
                Directory.Delete(scratch, recursive: true);
            }

            throw;
        }
    }

    /// <summary>
    /// Lets a resumed VM run once qemu has read its stream back: the VM was paused when it was saved, and a VM
    /// resumes in the state it was saved in. Fails when qemu exits or is still reading after <paramref name="timeout"/>.
    /// </summary>
    public static async Task ContinueAfterResumeAsync(VmPaths paths, Process qemu, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (qemu.HasExited)
            {
                var said = File.Exists(paths.QemuLog) ? File.ReadAllLines(paths.QemuLog).LastOrDefault(l => l.Trim().Length > 0)?.Trim() : null;
                throw new Engines.EngineStartException($"qemu exited with {qemu.ExitCode} while it read the snapshot back ({said ?? "it said nothing"})");
            }

            string? status = null;
            try
            {
                await using var qmp = await QmpSession.ConnectAsync(paths.QmpSocket, cancellationToken).ConfigureAwait(false);
                status = (await qmp.ExecuteAsync("query-status", null, cancellationToken).ConfigureAwait(false))?["status"]?.GetValue<string>();
                switch (status)
                {
                    case "running":
                        return;
                    case "paused":
                        await qmp.ExecuteAsync("cont", null, cancellationToken).ConfigureAwait(false);
                        return;
                    case "inmigrate":
                        break;
                    default:
                        throw new Engines.EngineStartException($"the VM read back from its snapshot is {status}, not paused");
                }
            }
            catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException)
            {
                // qemu has not made its QMP socket yet, or it exited (seen above on the next turn).
            }

            if (watch.Elapsed > timeout)
            {
                throw new Engines.EngineStartException($"qemu was still reading the snapshot back after {timeout.TotalSeconds:0} s (status {status ?? "unknown"})");
            }

            // The stream is read inside qemu; the monitor only answers whether it is done.
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>qemu's arguments to resume a snapshot instead of booting: the migration stream read from its file.</summary>
    public static IReadOnlyList<string> IncomingArguments(VmSnapshot snapshot) => ["-incoming", "exec:cat " + ShellWords.Quote(snapshot.State)];

    private static async Task WaitForMigrationAsync(QmpSession qmp, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var state = await qmp.ExecuteAsync("query-migrate", null, cancellationToken).ConfigureAwait(false);
            switch (state?["status"]?.GetValue<string>())
            {
                case "completed":
                    return;
                case "failed" or "cancelled":
                    throw new QmpException($"saving the VM failed: {state?["error-desc"]?.GetValue<string>() ?? "qemu gave no reason"}");
            }

            if (watch.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new QmpException("saving the VM did not finish within 5 minutes");
            }

            // qemu reports the end of a migration only when asked (or as an event we would have to wait for the same way).
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
        }
    }
}
