using System.Diagnostics;
using System.Text;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using SystemdMatrix.Boot;
using SystemdMatrix.Engines;
using SystemdMatrix.Model;
using SystemdMatrix.Processes;

namespace SystemdMatrix.Hosts;

/// <summary>How to boot one VM host.</summary>
public sealed record VmOptions(HostRelease Release, HostCgroupMode CgroupMode, DaemonProfile Profile, HostImage Image, string Purpose)
{
    public int MemoryMegabytes { get; init; } = 2048;

    public int Cpus { get; init; } = DefaultCpus;

    /// <summary>One vCPU unless told (a run gives each VM its share of the cores: <see cref="VmHostProvider.DefaultVmCpus"/>).</summary>
    public const int DefaultCpus = 1;

    /// <summary>From qemu's start to an engine that answers, per accelerator (null: <see cref="ReadyTimeoutFor"/>).</summary>
    public TimeSpan? ReadyTimeout { get; init; }

    /// <summary>
    /// Where VMs of this kind are saved and resumed from (<see cref="VmSnapshots"/>); null boots cold and saves nothing
    /// (a host image's first boot, <c>hosts boot</c>, which measures a boot).
    /// </summary>
    public VmSnapshots? Snapshots { get; init; }

    /// <summary>Under TCG a host takes about 50 s to answer (5 min before it is called hung); under KVM a few seconds (2 min).</summary>
    public static TimeSpan ReadyTimeoutFor(string accelerator) => accelerator == "kvm" ? TimeSpan.FromMinutes(2) : TimeSpan.FromMinutes(5);
}

/// <summary>
/// A Debian host VM running an engine for one daemon profile, booted in one cgroup mode. qemu runs in a network
/// namespace of its own, where slirp forwards a TCP port to the guest's dockerd; socat, in the same namespace, makes
/// that port a unix socket with mode 0600 in a root-only folder. The port exists only inside the namespace: no
/// other user or machine can reach the engine.
/// </summary>
public sealed class VmEngine : IEngineHost
{
    private int _disposed;

    private VmEngine(VmPaths paths, DaemonProfile profile, EngineEndpoint endpoint, EngineInfo info, HostIdentity identity, string helperImage)
    {
        Paths = paths;
        HelperImage = helperImage;
        Profile = profile;
        Endpoint = endpoint;
        Info = info;
        Identity = identity;
    }

    public VmPaths Paths { get; }

    /// <summary>A test image in the host's docker that the harness uses to look at the host itself.</summary>
    public string HelperImage { get; }

    public string Id => Paths.Id;

    public DaemonProfile Profile { get; }

    public EngineEndpoint Endpoint { get; }

    public EngineInfo Info { get; }

    public HostIdentity Identity { get; }

    /// <summary>The kernel command line of a boot: root, console, speed, the cgroup mode and the daemon profile.</summary>
    public static string KernelCommandLine(HostRelease release, HostCgroupMode mode, DaemonProfile profile, string vmId)
    {
        var daemon = Convert.ToBase64String(Encoding.UTF8.GetBytes(DaemonConfig.BuildForVm(profile, vmId).ToJsonString()));
        // The guest's only timer, systemd-tmpfiles-clean, fires 15 minutes after boot: its service's cgroup appearing
        // beside a running cell was recorded as that cell's host write (forky v2, a 240-cell group). Masked, so what
        // the host tree gains while a cell runs is the cell's doing.
        return $"root=/dev/vda rw console=ttyS0 panic=-1 fsck.mode=skip mitigations=off systemd.show_status=1 systemd.mask=systemd-tmpfiles-clean.timer {release.CgroupArguments(mode)} smx.daemon={daemon}";
    }

    public static async Task<VmEngine> StartAsync(VmOptions options, Action<string> log, CancellationToken cancellationToken)
    {
        Prerequisites.Require(HostImageBuilder.Requirements);
        foreach (var reaped in await VmReaper.ReapAsync(cancellationToken).ConfigureAwait(false))
        {
            log(EngineReaper.Describe(reaped));
        }

        var accelerator = await AcceleratorProbe.DecideAsync(options.Image.Kernel, options.Image.Initrd, log, cancellationToken).ConfigureAwait(false);
        if (options.Snapshots is not { } snapshots)
        {
            return await BootAsync(options, accelerator, null, log, cancellationToken).ConfigureAwait(false);
        }

        var key = VmSnapshots.Key(options, accelerator, await VmSnapshots.QemuVersionAsync(cancellationToken).ConfigureAwait(false));
        if (snapshots.TryGet(options, key) is { } snapshot)
        {
            try
            {
                return await BootAsync(options, accelerator, new SnapshotUse(snapshots, key, snapshot), log, cancellationToken).ConfigureAwait(false);
            }
            catch (EngineStartException ex)
            {
                // A snapshot that does not resume (a qemu that cannot read it, a guest that does not answer) is only lost time:
                // the VM boots cold instead and saves a new one.
                log($"resuming {VmSnapshots.Name(options)} from its snapshot failed, booting it cold and saving a new one: {ex.Message.Split('\n')[0]}");
                VmSnapshots.Discard(snapshot);
            }
        }

        return await BootAsync(options, accelerator, new SnapshotUse(snapshots, key, null), log, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Boots a VM cold, or resumes it from <see cref="SnapshotUse.Resume"/>; a cold boot with snapshots on is saved the
    /// moment its engine answers.
    /// </summary>
    private static async Task<VmEngine> BootAsync(VmOptions options, string accelerator, SnapshotUse? snapshots, Action<string> log, CancellationToken cancellationToken)
    {
        var paths = VmPaths.For(VmPaths.NewId());
        VmRecord.ForCurrentProcess(paths, options.Purpose).CreateStateDirectory();
        Directory.CreateDirectory(paths.DataDirectory);
        EngineLifetime.Register(paths.Id, () => VmTeardown.TeardownAsync(paths, graceful: false));

        var resume = snapshots?.Resume;
        var label = $"{paths.Id} (Debian {options.Release.Release}, cgroup {AxisNames.Of(options.CgroupMode)}, profile {options.Profile.Name})";
        try
        {
            await ProcessRunner.RunCheckedAsync("ip", ["netns", "add", paths.Namespace], cancellationToken: cancellationToken).ConfigureAwait(false);
            await ProcessRunner.RunCheckedAsync("ip", ["netns", "exec", paths.Namespace, "ip", "link", "set", "lo", "up"], cancellationToken: cancellationToken).ConfigureAwait(false);
            var (backing, backingFormat) = resume is null ? (options.Image.Disk, "raw") : (resume.Disk, "qcow2");
            await ProcessRunner.RunCheckedAsync("qemu-img", ["create", "-q", "-f", "qcow2", "-F", backingFormat, "-b", backing, paths.Overlay], cancellationToken: cancellationToken).ConfigureAwait(false);

            var stopwatch = Stopwatch.StartNew();
            var commandLine = resume?.Facts.KernelCommandLine ?? KernelCommandLine(options.Release, options.CgroupMode, options.Profile, paths.Id);
            log(resume is null ? $"booting VM {label} with {accelerator}" : $"resuming VM {label} from its snapshot of {resume.Facts.SavedAt:yyyy-MM-dd HH:mm} (saved after a {resume.Facts.BootSeconds:0} s boot)");
            var qemu = LaunchInNamespace(paths, paths.QemuLog, "qemu-system-x86_64", [.. QemuArguments(options, paths, accelerator, commandLine), .. resume is null ? [] : VmSnapshots.IncomingArguments(resume)]);
            // -t: after one side half-closes (the docker CLI does as soon as it has no more input for an attach),
            // keep the other direction open until the engine is done; socat's default of 0.5 s loses the output of
            // anything slower, which under emulation is everything.
            LaunchInNamespace(paths, paths.SocatLog, "socat", ["-t", "3600", $"UNIX-LISTEN:{paths.Socket},fork,mode=600,unlink-early", $"TCP:127.0.0.1:{HostImageFiles.DockerPort}"]);

            // A resumed guest answers as soon as its memory is read back; one that does not within a minute will not.
            var readyTimeout = resume is null ? options.ReadyTimeout ?? VmOptions.ReadyTimeoutFor(accelerator) : TimeSpan.FromMinutes(1);
            if (resume is not null)
            {
                await VmSnapshots.ContinueAfterResumeAsync(paths, qemu, readyTimeout, cancellationToken).ConfigureAwait(false);
                log($"VM {paths.Id} read back in {stopwatch.Elapsed.TotalSeconds:0.0} s");
            }

            using (var readiness = new EngineApi(paths.Socket, TimeSpan.FromSeconds(10)))
            {
                await WaitUntilReadyAsync(readiness, qemu, paths, options, readyTimeout, stopwatch, label, log, cancellationToken).ConfigureAwait(false);
            }

            var answered = stopwatch.Elapsed;

            if (snapshots is { Resume: null } save)
            {
                try
                {
                    var saved = await save.Snapshots.SaveAsync(paths, options, save.Key, commandLine, answered, cancellationToken).ConfigureAwait(false);
                    log($"VM {paths.Id} saved as {Path.GetFileName(saved.Folder)} in {(stopwatch.Elapsed - answered).TotalSeconds:0.0} s: the next VM of its kind resumes there");
                }
                catch (Exception ex) when (ex is QmpException or IOException or UnauthorizedAccessException)
                {
                    log($"VM {paths.Id} could not be saved as a snapshot ({ex.Message}); the next VM of its kind boots cold too");
                }
            }

            using var api = new EngineApi(paths.Socket, TimeSpan.FromSeconds(10));
            var version = await api.VersionAsync(cancellationToken).ConfigureAwait(false);
            var info = await api.InfoAsync(cancellationToken).ConfigureAwait(false);
            var endpoint = new EngineEndpoint(new Uri($"unix://{paths.Socket}"), EngineApi.Negotiate(version.ApiVersion));
            var mode = await MeasureCgroupModeAsync(endpoint, options.Image.HelperImage, options.Profile, cancellationToken).ConfigureAwait(false);
            var identity = new HostIdentity(
                HostKind.Vm,
                info.ServerVersion,
                mode,
                info.CgroupDriver == "systemd" ? CgroupDriver.Systemd : CgroupDriver.Cgroupfs,
                info.UsernsRemap,
                info.KernelVersion ?? "unknown") { ApiVersion = version.ApiVersion, SystemdInit = true, Init = "systemd", Release = options.Release.Release, Accelerator = accelerator };

            log($"VM {paths.Id} {(resume is null ? "ready" : "resumed")} in {stopwatch.Elapsed.TotalSeconds:0.0} s (engine answered after {answered.TotalSeconds:0.0} s): Docker {info.ServerVersion}, API {endpoint.ApiVersion.ToString(2)}, cgroup {AxisNames.Of(mode)}, driver {info.CgroupDriver}, userns-remap {(info.UsernsRemap ? "on" : "off")}, {accelerator}");
            if (mode != options.CgroupMode)
            {
                throw new EngineStartException($"VM {label} booted with cgroup {AxisNames.Of(mode)}, not {AxisNames.Of(options.CgroupMode)} as its kernel command line asked");
            }

            return new VmEngine(paths, options.Profile, endpoint, info, identity, options.Image.HelperImage) { ResumedFromSnapshot = resume is not null };
        }
        catch
        {
            await VmTeardown.TeardownAsync(paths, graceful: false, CancellationToken.None).ConfigureAwait(false);
            EngineLifetime.Unregister(paths.Id);
            throw;
        }
    }

    /// <summary>Whether this VM resumed from a saved snapshot rather than booting cold.</summary>
    public bool ResumedFromSnapshot { get; private init; }

    /// <summary>A boot with snapshots on: the key it is saved under, and the snapshot to resume (null: boot cold and save).</summary>
    private sealed record SnapshotUse(VmSnapshots Snapshots, string Key, VmSnapshot? Resume);

    /// <summary>
    /// Powers the guest down cleanly and folds what the boot wrote into the disk it booted from; disposing then
    /// removes the rest of the VM. Only for a host image's first boot, which runs on the image's own staging copy and no other VM.
    /// </summary>
    public async Task PowerDownKeepingChangesAsync(CancellationToken cancellationToken)
    {
        if (VmTeardown.ReadPid(Paths.QemuPid) is not { } pid
            || !await QmpClient.SendAsync(Paths.QmpSocket, "system_powerdown", cancellationToken).ConfigureAwait(false)
            || !await EngineTeardown.WaitForExitAsync(pid, TimeSpan.FromMinutes(3), cancellationToken).ConfigureAwait(false))
        {
            throw new EngineStartException($"VM {Paths.Id} did not power down within 3 minutes; what its boot wrote is not kept:\n{Tail(Paths.Console)}");
        }

        await ProcessRunner.RunCheckedAsync("qemu-img", ["commit", "-q", Paths.Overlay], cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await VmTeardown.TeardownAsync(Paths, graceful: true, CancellationToken.None).ConfigureAwait(false);
        EngineLifetime.Unregister(Paths.Id);
    }

    /// <summary>qemu's arguments for a VM; a resumed VM passes the kernel command line of the boot that was saved.</summary>
    internal static IReadOnlyList<string> QemuArguments(VmOptions options, VmPaths paths, string accelerator, string? kernelCommandLine = null) =>
    [
        "-name", paths.Id,
        "-machine", "q35",
        .. accelerator == "kvm" ? (string[])["-accel", "kvm", "-cpu", "host"] : ["-accel", "tcg,thread=multi", "-cpu", "max"],
        "-m", options.MemoryMegabytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "-smp", options.Cpus.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "-kernel", options.Image.Kernel,
        "-initrd", options.Image.Initrd,
        "-append", kernelCommandLine ?? KernelCommandLine(options.Release, options.CgroupMode, options.Profile, paths.Id),
        "-drive", $"file={paths.Overlay},if=virtio,format=qcow2,discard=unmap",
        // restrict=on: the guest has no way out; hostfwd lives on loopback of the VM's own network namespace.
        "-netdev", $"user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:{HostImageFiles.DockerPort}-:{HostImageFiles.DockerPort}",
        "-device", "virtio-net-pci,netdev=net0",
        "-display", "none",
        "-serial", $"file:{paths.Console}",
        "-monitor", "none",
        "-qmp", $"unix:{paths.QmpSocket},server=on,wait=off",
        "-pidfile", paths.QemuPid,
        "-no-reboot",
    ];

    /// <summary>Starts a program inside the VM's network namespace, detached from the terminal, output to a log file.</summary>
    private static Process LaunchInNamespace(VmPaths paths, string logFile, string program, IReadOnlyList<string> arguments) =>
        ProcessRunner.StartDetached(["ip", "netns", "exec", paths.Namespace], program, arguments, logFile);

    private static async Task WaitUntilReadyAsync(EngineApi api, Process qemu, VmPaths paths, VmOptions options, TimeSpan timeout, Stopwatch stopwatch, string label, Action<string> log, CancellationToken cancellationToken)
    {
        var lastProgress = TimeSpan.Zero;
        var pipeline = Readiness.Pipeline(timeout, TimeSpan.FromMilliseconds(500), typeof(TaskCanceledException));
        try
        {
            await pipeline.ExecuteAsync(
                async ct =>
                {
                    if (DaemonRefusal(paths.Console) is { } refusal)
                    {
                        throw new EngineRefusedException(refusal, ExpectedIdentity(options));
                    }

                    if (qemu.HasExited)
                    {
                        throw new EngineStartException($"qemu exited with {qemu.ExitCode} while VM {label} booted:\n{Tail(paths.QemuLog)}\n{Tail(paths.Console)}");
                    }

                    if (stopwatch.Elapsed - lastProgress > TimeSpan.FromSeconds(10))
                    {
                        lastProgress = stopwatch.Elapsed;
                        log($"VM {paths.Id}: {stopwatch.Elapsed.TotalSeconds:0} s, console: {Tail(paths.Console, 1)}");
                    }

                    if (!await api.PingAsync(ct).ConfigureAwait(false))
                    {
                        throw new IOException("engine not ready");
                    }
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException)
        {
            throw new EngineStartException($"VM {label}: no engine after {timeout.TotalSeconds:0} s:\n{Tail(paths.Console)}");
        }
    }

    /// <summary>
    /// Where the guest's boot time went, in systemd's own words: <c>systemd-analyze time</c>, the critical chain to
    /// docker.service, the slowest units and the engine's own log of its start. Read from the host's PID 1 through a privileged helper container.
    /// </summary>
    public async Task<string> AnalyzeBootAsync(CancellationToken cancellationToken)
    {
        var args = new List<string> { "run", "--rm", "--network", "none", "--pid=host", "--privileged", "--label", $"{CellRunner.CellLabel}=host-probe" };
        if (Profile.UsernsRemap)
        {
            args.Add("--userns=host");
        }

        const string script = "systemd-analyze time; echo; systemd-analyze critical-chain docker.service; echo; systemd-analyze blame | head -n 15; echo; "
            + "journalctl -b -u docker.service -o short-monotonic --no-pager | head -n 60";
        args.AddRange(["--entrypoint", "nsenter", HelperImage, "-t", "1", "-m", "--", "sh", "-c", script]);
        var result = await new DockerCli(Endpoint).RunCheckedAsync(args, cancellationToken: cancellationToken).ConfigureAwait(false);
        return result.StandardOutput.TrimEnd();
    }

    /// <summary>
    /// The host's cgroup layout as its PID 1 sees it: a helper container in the host's pid namespace reads
    /// /proc/1/mountinfo (on a remapping daemon, from the host's user namespace, or the kernel hides it).
    /// </summary>
    private static async Task<HostCgroupMode> MeasureCgroupModeAsync(EngineEndpoint endpoint, string helperImage, DaemonProfile profile, CancellationToken cancellationToken)
    {
        var args = new List<string> { "run", "--rm", "--network", "none", "--pid=host", "--label", $"{CellRunner.CellLabel}=host-probe" };
        if (profile.UsernsRemap)
        {
            args.Add("--userns=host");
        }

        args.AddRange(["--entrypoint", "cat", helperImage, "/proc/1/mountinfo"]);
        var result = await new DockerCli(endpoint).RunCheckedAsync(args, cancellationToken: cancellationToken).ConfigureAwait(false);
        return HostCgroupProbe.Detect(result.StandardOutput.Split('\n'));
    }

    /// <summary>
    /// What the host is, from its image and the options, for when its engine never answered: the engine version is
    /// the docker.io package's upstream version, which is what dockerd reports.
    /// </summary>
    public static HostIdentity ExpectedIdentity(VmOptions options)
    {
        var package = options.Image.Facts.DockerVersion;
        var engine = package.LastIndexOf('-') is var dash and > 0 ? package[..dash] : package;
        return new HostIdentity(HostKind.Vm, engine, options.CgroupMode, options.Profile.DriverOn(options.CgroupMode, systemdInit: true), options.Profile.UsernsRemap, options.Image.Facts.KernelVersion)
        {
            SystemdInit = true,
            Init = "systemd",
            Release = options.Release.Release,
        };
    }

    /// <summary>dockerd's fatal start-up error, as it writes it: <c>failed to start daemon: …</c>.</summary>
    internal static string? DaemonRefusal(string consoleFile)
    {
        try
        {
            return BootLog.Lines(File.ReadAllText(consoleFile)).Select(DaemonRefusalIn).FirstOrDefault(r => r is not null);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// The reason in one console line, whether journald printed dockerd's message as it is or inside logrus's
    /// <c>msg="…"</c> (then with its inner quotes escaped).
    /// </summary>
    internal static string? DaemonRefusalIn(string line)
    {
        var logrus = System.Text.RegularExpressions.Regex.Match(line, "msg=\"failed to start daemon: (?<why>(?:[^\"\\\\]|\\\\.)*)\"");
        if (logrus.Success)
        {
            return logrus.Groups["why"].Value.Replace("\\\"", "\"", StringComparison.Ordinal);
        }

        var plain = System.Text.RegularExpressions.Regex.Match(line, "failed to start daemon: (?<why>.*)$");
        return plain.Success ? plain.Groups["why"].Value : null;
    }

    private static string Tail(string file, int lines = 15)
    {
        try
        {
            var text = BootLog.Normalise(File.ReadAllText(file));
            return string.Join('\n', text.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(lines));
        }
        catch (IOException)
        {
            return "(nothing yet)";
        }
    }
}
