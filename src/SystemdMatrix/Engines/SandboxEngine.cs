using System.Diagnostics;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using SystemdMatrix.Model;
using SystemdMatrix.Processes;

namespace SystemdMatrix.Engines;

/// <summary>Options for one sandbox engine.</summary>
public sealed record SandboxEngineOptions(DaemonProfile Profile, string Purpose)
{
    public string? StateRoot { get; init; }

    public string? DataRoot { get; init; }

    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Use exactly this data-root and leave its content when the engine stops (preparing a host image).</summary>
    public string? KeptDataRoot { get; init; }
}

/// <summary>The engine failed to start; the message carries the tail of its log.</summary>
public sealed class EngineStartException(string message) : Exception(message);

/// <summary>
/// The engine refused its own configuration (a daemon profile it does not accept) and did not start: a verdict about
/// the profile, with the engine's message, not a failure of the harness.
/// </summary>
public sealed class EngineRefusedException(string engineMessage, HostIdentity host) : Exception($"the engine refused its configuration: {engineMessage}")
{
    public string EngineMessage { get; } = engineMessage;

    /// <summary>The host as far as it is known without an answering engine.</summary>
    public HostIdentity Host { get; } = host;
}

/// <summary>
/// A <c>dockerd</c> the harness runs itself, as root, on a private socket with its own data-root, exec-root,
/// pidfile and generated <c>daemon.json</c>. Disposing it removes everything it made.
/// </summary>
public sealed class SandboxEngine : IEngineHost
{
    private int _disposed;

    private SandboxEngine(SandboxPaths paths, DaemonProfile profile, EngineEndpoint endpoint, EngineInfo info, HostIdentity identity)
    {
        Paths = paths;
        Profile = profile;
        Endpoint = endpoint;
        Info = info;
        Identity = identity;
    }

    public SandboxPaths Paths { get; }

    public string Id => Paths.Id;

    public DaemonProfile Profile { get; }

    public EngineEndpoint Endpoint { get; }

    public EngineInfo Info { get; }

    public HostIdentity Identity { get; }

    public static async Task<SandboxEngine> StartAsync(SandboxEngineOptions options, Action<string> log, CancellationToken cancellationToken)
    {
        Prerequisites.Require(Prerequisites.ForSandbox);
        await Isolation.MachineLock.ThisMachine.AcquireAsync(log, cancellationToken).ConfigureAwait(false);

        foreach (var reaped in await EngineReaper.ReapAsync(options.StateRoot, options.DataRoot, cancellationToken).ConfigureAwait(false))
        {
            log(EngineReaper.Describe(reaped));
        }

        if (options.Profile.UsernsRemap)
        {
            await UsernsRemapSetup.EnsureAsync(log, cancellationToken).ConfigureAwait(false);
        }

        var paths = SandboxPaths.For(SandboxPaths.NewId(), options.StateRoot, options.DataRoot);
        if (options.KeptDataRoot is { } kept)
        {
            paths = paths with { DataRoot = kept, KeepDataRoot = true };
        }

        EngineRecord.ForCurrentProcess(paths, options.Purpose, options.Profile.Name).CreateStateDirectory();
        Directory.CreateDirectory(paths.DataRoot);
        EngineLifetime.Register(paths);
        await File.WriteAllTextAsync(paths.ConfigFile, DaemonConfig.Render(options.Profile, paths), cancellationToken).ConfigureAwait(false);

        var stopwatch = Stopwatch.StartNew();
        log($"starting sandbox engine {paths.Id} (profile {options.Profile.Name}) on {paths.Socket}");
        try
        {
            var dockerd = LaunchDockerd(paths);
            var api = new EngineApi(paths.Socket, TimeSpan.FromSeconds(10));
            try
            {
                await WaitUntilReadyAsync(api, dockerd, paths, options.ReadyTimeout, cancellationToken).ConfigureAwait(false);
                var version = await api.VersionAsync(cancellationToken).ConfigureAwait(false);
                var info = await api.InfoAsync(cancellationToken).ConfigureAwait(false);
                var endpoint = new EngineEndpoint(paths.SocketUri, EngineApi.Negotiate(version.ApiVersion));
                var identity = new HostIdentity(
                    HostKind.Sandbox,
                    info.ServerVersion,
                    HostCgroupProbe.DetectLocal(),
                    info.CgroupDriver == "systemd" ? CgroupDriver.Systemd : CgroupDriver.Cgroupfs,
                    info.UsernsRemap,
                    info.KernelVersion ?? version.KernelVersion ?? "unknown") { ApiVersion = version.ApiVersion, SystemdInit = LocalInit() == "systemd", Init = LocalInit(), CgroupNsDelegate = HostCgroupProbe.DelegatesLocal(), CgroupTopReadOnly = HostCgroupProbe.TopReadOnlyLocal() };
                if (identity.CgroupDriver != options.Profile.DriverOn(identity.CgroupMode, identity.SystemdInit) || identity.UsernsRemap != options.Profile.UsernsRemap)
                {
                    throw new EngineStartException(
                        $"engine {paths.Id} runs with driver {info.CgroupDriver} and userns-remap {(identity.UsernsRemap ? "on" : "off")}, not as profile {options.Profile.Name} asked:\n{LogTail(paths)}");
                }

                log($"sandbox engine {paths.Id} ready in {stopwatch.Elapsed.TotalSeconds:0.0} s: Docker {info.ServerVersion}, API {endpoint.ApiVersion.ToString(2)}, cgroup {AxisNames.Of(identity.CgroupMode)}, driver {info.CgroupDriver}");
                return new SandboxEngine(paths, options.Profile, endpoint, info, identity);
            }
            finally
            {
                api.Dispose();
            }
        }
        catch
        {
            await EngineTeardown.TeardownAsync(paths, CancellationToken.None).ConfigureAwait(false);
            EngineLifetime.Unregister(paths.Id);
            throw;
        }
    }

    /// <summary>
    /// What a sandbox engine for this profile would report, known before starting one: this machine's cgroup layout
    /// and init, the installed dockerd's version, the profile's daemon settings. Rules that make a whole profile not
    /// applicable are decided from this, so no engine is started for nothing.
    /// </summary>
    public static async Task<HostIdentity> PredictIdentityAsync(DaemonProfile profile, CancellationToken cancellationToken)
    {
        var dockerd = ProcessRunner.FindExecutable("dockerd") ?? throw new PrerequisiteException(Prerequisites.Describe([Prerequisites.Dockerd]));
        var version = await ProcessRunner.RunCheckedAsync(dockerd, ["--version"], cancellationToken: cancellationToken).ConfigureAwait(false);
        var match = System.Text.RegularExpressions.Regex.Match(version.StandardOutput, @"version (?<v>[^,\s]+)");
        var mode = HostCgroupProbe.DetectLocal();
        return new HostIdentity(
            HostKind.Sandbox,
            match.Success ? match.Groups["v"].Value : "unknown",
            mode,
            profile.DriverOn(mode, LocalInit() == "systemd"),
            profile.UsernsRemap,
            Environment.OSVersion.Version.ToString()) { SystemdInit = LocalInit() == "systemd", Init = LocalInit(), CgroupNsDelegate = HostCgroupProbe.DelegatesLocal(), CgroupTopReadOnly = HostCgroupProbe.TopReadOnlyLocal() };
    }

    /// <summary>The name of this machine's PID 1.</summary>
    public static string LocalInit()
    {
        try
        {
            return File.ReadAllText("/proc/1/comm").Trim();
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await EngineTeardown.TeardownAsync(Paths, CancellationToken.None).ConfigureAwait(false);
        EngineLifetime.Unregister(Paths.Id);
    }

    private static Process LaunchDockerd(SandboxPaths paths)
    {
        var dockerd = ProcessRunner.FindExecutable("dockerd") ?? throw new PrerequisiteException(Prerequisites.Describe([Prerequisites.Dockerd]));
        return ProcessRunner.StartDetached([], dockerd, DaemonConfig.DockerdArguments(paths), paths.LogFile);
    }

    private static async Task WaitUntilReadyAsync(EngineApi api, Process dockerd, SandboxPaths paths, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var pipeline = Readiness.Pipeline(timeout, TimeSpan.FromMilliseconds(100), typeof(NotReadyException));
        try
        {
            await pipeline.ExecuteAsync(
                async ct =>
                {
                    if (dockerd.HasExited)
                    {
                        throw new EngineStartException($"dockerd exited with {dockerd.ExitCode} before it was ready:\n{LogTail(paths)}");
                    }

                    if (!File.Exists(paths.Socket) || !await api.PingAsync(ct).ConfigureAwait(false))
                    {
                        throw new NotReadyException();
                    }
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException)
        {
            throw new EngineStartException($"dockerd did not answer on {paths.Socket} within {timeout.TotalSeconds:0} s:\n{LogTail(paths)}");
        }
    }

    internal static string LogTail(SandboxPaths paths, int lines = 20)
    {
        try
        {
            return string.Join('\n', File.ReadLines(paths.LogFile).TakeLast(lines));
        }
        catch (IOException)
        {
            return "(no dockerd log)";
        }
    }

    private sealed class NotReadyException : Exception;
}
