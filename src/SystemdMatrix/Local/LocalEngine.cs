using System.Net.Sockets;
using SystemdMatrix.Boot;
using SystemdMatrix.Engines;
using SystemdMatrix.Model;
using SystemdMatrix.Processes;

namespace SystemdMatrix.Local;

/// <summary>What the user's engine said of itself, before the harness looked at its host through a container.</summary>
public sealed record LocalEngineFacts(LocalEngineAddress Address, EngineVersion Version, EngineInfo Info, Version Negotiated)
{
    /// <summary>Rootless engines say so among their security options.</summary>
    public bool Rootless => Info.SecurityOptions?.Any(o => o.Contains("name=rootless", StringComparison.Ordinal)) == true;

    public IReadOnlyList<string> SecurityOptions => Info.SecurityOptions ?? [];

    public CgroupDriver Driver => Info.CgroupDriver == "systemd" ? CgroupDriver.Systemd : CgroupDriver.Cgroupfs;

    /// <summary>
    /// The engine's daemon settings as a profile named <c>local</c>: a user's engine is configured as it is, so every
    /// cell of a matrix runs under this one profile there.
    /// </summary>
    public DaemonProfile Profile => new(LocalEngine.ProfileName, Info.UsernsRemap, Driver, CgroupParent: null);

    /// <summary>The host's cgroup version as the engine reports it (it says 1 for v1 and hybrid alike).</summary>
    public HostCgroupMode ReportedCgroupMode => Info.CgroupVersion == "2" ? HostCgroupMode.V2 : HostCgroupMode.V1;
}

/// <summary>
/// The engine <c>DOCKER_HOST</c> points at (or <c>--engine</c>, or Docker's default socket): Docker or any engine
/// speaking the Docker API, whose API version is negotiated per engine. The harness did not start it and does not
/// stop it; disposing removes every container this process made there. Its facts come from <c>/version</c> and
/// <c>/info</c>, its host's (cgroup layout, PID 1) from one container in the host's pid namespace reading
/// <c>/proc/1</c>, which writes nothing.
/// </summary>
public sealed class LocalEngine : IEngineHost
{
    public const string ProfileName = "local";

    /// <summary>Every container the harness makes on a local engine carries its owner (pid:start ticks), so a later run can reap a crashed one's.</summary>
    public const string OwnerLabel = "org.systemd-matrix.owner";

    private const string BootIdFile = "/proc/sys/kernel/random/boot_id";

    private int _disposed;

    private LocalEngine(LocalEngineFacts facts, HostIdentity identity, bool onThisMachine = false)
    {
        Facts = facts;
        Identity = identity;
        OnThisMachine = onThisMachine;
        Endpoint = new EngineEndpoint(facts.Address.Socket, facts.Negotiated);
    }

    public LocalEngineFacts Facts { get; }

    /// <summary>Whether the engine's host runs this machine's kernel (same boot id): then its tree is this machine's, the one the sandbox engines share.</summary>
    public bool OnThisMachine { get; }

    public string Id => ProfileName;

    public EngineEndpoint Endpoint { get; }

    public EngineInfo Info => Facts.Info;

    public HostIdentity Identity { get; }

    public DaemonProfile Profile => Facts.Profile;

    /// <summary>This process as an owner label value.</summary>
    public static string Owner
    {
        get
        {
            var (pid, ticks) = OwnerRecords.CurrentProcess();
            return FormattableString.Invariant($"{pid}:{ticks}");
        }
    }

    /// <summary>Asks the engine what it is; an engine that does not answer is named with the way to point elsewhere.</summary>
    public static async Task<LocalEngineFacts> ReadAsync(LocalEngineAddress address, CancellationToken cancellationToken)
    {
        if (!File.Exists(address.SocketPath))
        {
            throw new LocalEngineException($"no engine at {address}: {address.SocketPath} does not exist; start Docker there, or {LocalEngineAddress.HowToPointElsewhere}");
        }

        using var api = new EngineApi(address.SocketPath, TimeSpan.FromSeconds(10));
        try
        {
            if (!await api.PingAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new LocalEngineException($"the engine at {address} did not answer its ping; {LocalEngineAddress.HowToPointElsewhere}");
            }

            var version = await api.VersionAsync(cancellationToken).ConfigureAwait(false);
            var info = await api.InfoAsync(cancellationToken).ConfigureAwait(false);
            return new LocalEngineFacts(address, version, info, Negotiate(version, address));
        }
        catch (Exception ex) when (ex is HttpRequestException or SocketException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            var why = ex.InnerException is SocketException socket ? socket.Message : ex.Message;
            throw new LocalEngineException($"cannot reach an engine at {address}: {why}; {LocalEngineAddress.HowToPointElsewhere}");
        }
    }

    /// <summary>
    /// The API version to speak: the older of the engine's newest and the harness's (1.44), refused with a clear
    /// message when that is below the engine's oldest (an engine newer than this harness knows).
    /// </summary>
    public static Version Negotiate(EngineVersion version, LocalEngineAddress address)
    {
        var negotiated = EngineApi.Negotiate(version.ApiVersion);
        if (version.MinApiVersion is { } min && Version.TryParse(min, out var oldest) && negotiated < oldest)
        {
            throw new LocalEngineException($"the engine at {address} (version {version.Version}) speaks API {min} to {version.ApiVersion}; this harness speaks up to {EngineApi.ClientMaxApiVersion.ToString(2)}");
        }

        return negotiated;
    }

    /// <summary>
    /// What the host is from the engine's own answers, before any container ran: enough for rules about whole
    /// profiles. An engine running the systemd cgroup driver has systemd as its host's PID 1 (it cannot run without
    /// it); with cgroupfs, PID 1 is unknown until the probe reads it.
    /// </summary>
    public static HostIdentity Predict(LocalEngineFacts facts) =>
        new(HostKind.Local, facts.Info.ServerVersion, facts.ReportedCgroupMode, facts.Driver, facts.Info.UsernsRemap, facts.Info.KernelVersion ?? facts.Version.KernelVersion ?? "unknown")
        {
            ApiVersion = facts.Version.ApiVersion,
            SystemdInit = facts.Driver == CgroupDriver.Systemd,
            Init = facts.Driver == CgroupDriver.Systemd ? "systemd" : "unknown",
        };

    /// <summary>Connects to the engine, first removing the containers a crashed earlier run left there.</summary>
    public static async Task<LocalEngine> ConnectAsync(LocalEngineFacts facts, Action<string> log, CancellationToken cancellationToken)
    {
        var engine = new LocalEngine(facts, Predict(facts));
        foreach (var reaped in await engine.ReapAsync(cancellationToken).ConfigureAwait(false))
        {
            log($"removed container {reaped} that a crashed earlier run left on {facts.Address.Socket}");
        }

        return engine;
    }

    /// <summary>
    /// The same engine with its host measured through <paramref name="probeImage"/> (an image already there): the
    /// cgroup layout and PID 1 as the host's init sees them, and whether the host is this machine. When the look
    /// fails (a rootless engine may not share the host's pid namespace) the engine's own answers stand, and the log says so.
    /// </summary>
    public async Task<LocalEngine> WithHostMeasuredAsync(string probeImage, Action<string> log, CancellationToken cancellationToken)
    {
        var cli = new DockerCli(Endpoint);
        var args = new List<string> { "run", "--rm", "--network", "none", "--pid=host", "--label", $"{CellRunner.CellLabel}=host-probe", "--label", $"{OwnerLabel}={Owner}" };
        if (Facts.Info.UsernsRemap)
        {
            // A remapped root may not read another namespace's /proc/1.
            args.Add("--userns=host");
        }

        // The boot id is the kernel's, not a namespace's: the same one here means the engine's host is this machine.
        args.AddRange(["--entrypoint", "cat", probeImage, "/proc/1/comm", BootIdFile, "/proc/1/mountinfo"]);
        var probe = await cli.RunAsync(args, cancellationToken: cancellationToken).ConfigureAwait(false);
        var lines = probe.StandardOutput.Split('\n');
        if (!probe.Succeeded || lines.Length < 3 || HostCgroupProbe.TryDetect(lines.Skip(2)) is not { } mode)
        {
            log($"could not look at the host of {Facts.Address.Socket} through a container ({probe.Tail(3)}); going by what the engine says (cgroup {Facts.Info.CgroupVersion ?? "?"}, PID 1 {Identity.Init})");
            return this;
        }

        var init = lines[0].Trim();
        var identity = Identity with
        {
            CgroupMode = mode,
            SystemdInit = init == "systemd",
            Init = init,
            CgroupNsDelegate = HostCgroupProbe.Delegates(lines.Skip(2)),
            CgroupTopReadOnly = HostCgroupProbe.TopReadOnly(lines.Skip(2)),
        };
        return new LocalEngine(Facts, identity, lines[1].Trim() == File.ReadAllText(BootIdFile).Trim());
    }

    /// <summary>One line: the engine and its host as measured, with what the harness speaks to it.</summary>
    public string Describe() =>
        $"{Identity.Describe()}; API {Facts.Version.ApiVersion} (speaking {Facts.Negotiated.ToString(2)}); kernel {Identity.KernelVersion}; PID 1 {Identity.Init}"
        + (Facts.Rootless ? "; rootless" : string.Empty)
        + (OnThisMachine ? "; on this machine" : string.Empty)
        + $"; security options: {(Facts.SecurityOptions.Count == 0 ? "none" : string.Join(", ", Facts.SecurityOptions.Select(o => o.Replace("name=", string.Empty, StringComparison.Ordinal))))}";

    /// <summary>Removes the containers of owners that are gone (a crash, a kill -9); an owner that still runs is a concurrent run, left alone.</summary>
    public async Task<IReadOnlyList<string>> ReapAsync(CancellationToken cancellationToken)
    {
        var listed = await new DockerCli(Endpoint).RunAsync(
            ["ps", "-a", "--filter", $"label={OwnerLabel}", "--format", $"{{{{.ID}}}} {{{{.Label \"{OwnerLabel}\"}}}}"], cancellationToken: cancellationToken).ConfigureAwait(false);
        var gone = listed.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ', 2))
            .Where(parts => parts.Length == 2 && !OwnerAlive(parts[1]))
            .Select(parts => parts[0])
            .ToList();
        return await RemoveAsync(gone, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether an owner label names a process that still runs here (same pid, same start time).</summary>
    public static bool OwnerAlive(string owner)
    {
        var parts = owner.Split(':');
        return parts.Length == 2 && int.TryParse(parts[0], out var pid) && long.TryParse(parts[1], out var ticks) && Posix.StartTicks(pid) == ticks;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        // The cells remove their own containers; this catches one a cancelled cell could not.
        var mine = await new DockerCli(Endpoint).RunAsync(["ps", "-aq", "--filter", $"label={OwnerLabel}={Owner}"], cancellationToken: CancellationToken.None).ConfigureAwait(false);
        await RemoveAsync(mine.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), CancellationToken.None).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<string>> RemoveAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        if (ids.Count > 0)
        {
            await new DockerCli(Endpoint).RunAsync(["rm", "-f", "-v", .. ids], cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        return ids;
    }
}
