using System.Diagnostics;
using Docker.DotNet;
using Docker.DotNet.Models;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Containers;
using DotNet.Testcontainers.Images;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;
using SystemdMatrix.Engines;
using SystemdMatrix.Model;
using SystemdMatrix.Signatures;

namespace SystemdMatrix.Boot;

public sealed record CellRunnerOptions
{
    /// <summary>How long systemd may take to reach multi-user.target before the cell counts as hung.</summary>
    public TimeSpan BootTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long <c>systemctl is-system-running --wait</c> may take once multi-user.target is reached.</summary>
    public TimeSpan SettleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Extra attempts after an infrastructure error (never after a systemd verdict).</summary>
    public int InfrastructureRetries { get; init; } = 2;

    /// <summary>The failure catalogue that names a failed boot's signature (a run reads the checkout's).</summary>
    public SignatureCatalogue Catalogue { get; init; } = SignatureCatalogue.Default;

    /// <summary>Labels put on every container, on top of the cell's own.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// Boots one cell on one engine through Testcontainers (and the Docker.DotNet client beneath it, for the wait and
/// inspections it does not expose) and sequences its verdict: what the container gets is
/// <see cref="ContainerSpec.ApplyTo"/>'s, what its end means is <see cref="VerdictClassifier"/>'s, and the throwaway
/// helper containers (the remapped-mount probe, the cgroup hand-over) are <see cref="CellHelpers"/>'. The container is created with the
/// cell's HostConfig, a TTY and systemd's stop signal; readiness is the console's multi-user line (pushed by
/// <see cref="BootConsole"/>) racing the engine's wait-for-exit, so a failing cell is decided the moment it exits.
/// </summary>
public sealed class CellRunner : IDisposable
{
    public const string CellLabel = "org.systemd-matrix.cell";
    public const string RunLabel = "org.systemd-matrix.run";

    private readonly EngineEndpoint _endpoint;
    private readonly HostIdentity _host;
    private readonly CellRunnerOptions _options;
    private readonly DockerClient _client;
    private readonly VerdictClassifier _classifier;
    private readonly CellHelpers _helpers;

    /// <summary>Retries a boot that ended in an infrastructure error (never one systemd decided); built once, shared by every cell.</summary>
    private readonly ResiliencePipeline<BootResult> _retry;

    static CellRunner()
    {
        // The harness removes its own containers (and the next run reaps whole engines); Ryuk would need an image
        // pulled from a registry, which these machines cannot reach.
        TestcontainersSettings.ResourceReaperEnabled = false;
    }

    public CellRunner(EngineEndpoint endpoint, HostIdentity host, CellRunnerOptions? options = null)
    {
        _endpoint = endpoint;
        _host = host;
        _options = options ?? new CellRunnerOptions();
        _client = endpoint.CreateClient();
        _classifier = new VerdictClassifier(_options.Catalogue);
        _helpers = new CellHelpers(endpoint);
        _retry = new ResiliencePipelineBuilder<BootResult>()
            .AddRetry(new RetryStrategyOptions<BootResult>
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result?.Verdict.Kind == VerdictKind.InfrastructureError),
                MaxRetryAttempts = Math.Max(1, _options.InfrastructureRetries),
                Delay = TimeSpan.FromMilliseconds(500),
                BackoffType = DelayBackoffType.Exponential,
            })
            .Build();
    }

    /// <param name="whileRunning">
    /// Asked once a booted container has settled, before it is stopped: what it changed on the host outside its own
    /// cgroup (the lines become <see cref="Verdict.HostWrites"/>).
    /// </param>
    public async Task<CellOutcome> RunAsync(Cell cell, string imageTag, CancellationToken cancellationToken, Func<CancellationToken, Task<IReadOnlyList<string>>>? whileRunning = null)
    {
        var spec = ContainerSpec.For(imageTag, cell.Run);
        var labels = new Dictionary<string, string>(_options.Labels) { [CellLabel] = cell.Id };
        var attempts = 0;
        var stopwatch = Stopwatch.StartNew();
        var clock = new PhaseClock();

        var result = await _retry.ExecuteAsync(
            async ct =>
            {
                attempts++;
                stopwatch.Restart();
                clock = new PhaseClock();
                return await BootOnceAsync(cell, spec, labels, whileRunning, clock, ct).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);

        return new CellOutcome(
            cell,
            imageTag,
            _host,
            result.Verdict,
            result.Log,
            stopwatch.Elapsed,
            spec.DockerRunArguments(labels),
            spec.Equivalent(),
            attempts)
        {
            Phases = clock.Seconds,
        };
    }

    public void Dispose() => _client.Dispose();

    private async Task<BootResult> BootOnceAsync(Cell cell, ContainerSpec spec, IReadOnlyDictionary<string, string> labels, Func<CancellationToken, Task<IReadOnlyList<string>>>? whileRunning, PhaseClock clock, CancellationToken cancellationToken)
    {
        var observations = new List<string>();
        if (cell.Daemon.UsernsRemap)
        {
            observations.AddRange(await _helpers.ProbeCgroupMountAsync(spec, cancellationToken).ConfigureAwait(false));
        }

        var systemd = spec.HandOverCgroup ? await ImageCommandAsync(spec.Image, cancellationToken).ConfigureAwait(false) : [];
        clock.Lap("probe");
        using var console = new BootConsole();
        var builder = new ContainerBuilder(spec.Image)
            .WithDockerEndpoint(_endpoint)
            .WithImagePullPolicy(PullPolicy.Never)
            .WithLogger(NullLogger.Instance)
            .WithOutputConsumer(console)
            .WithCreateParameterModifier(parameters => spec.ApplyTo(parameters, systemd));
        foreach (var (key, value) in labels)
        {
            builder = builder.WithLabel(key, value);
        }

        var container = builder.Build();
        try
        {
            try
            {
                await container.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ContainerNotRunningException)
            {
                // systemd already exited while Testcontainers was still checking: the exit path below decides.
            }
            catch (DockerApiException ex)
            {
                clock.Lap("start");
                return new BootResult(VerdictClassifier.Refusal(ex) with { Observations = observations }, BootLog.Normalise(console.Captured));
            }

            clock.Lap("start");
            if (spec.HandOverCgroup)
            {
                observations.AddRange(await HandOverCgroupAsync(container, spec, cancellationToken).ConfigureAwait(false));
                clock.Lap("handover");
            }

            var result = await AwaitVerdictAsync(container, console, clock, cancellationToken).ConfigureAwait(false);
            var hostWrites = result.Verdict.Kind == VerdictKind.Booted && whileRunning is not null
                ? await whileRunning(cancellationToken).ConfigureAwait(false)
                : [];
            clock.Lap("observe");
            return result with { Verdict = result.Verdict with { Observations = observations, HostWrites = hostWrites } };
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TimeoutException or DockerApiException
                                       or System.Net.Sockets.SocketException or DockerContainerNotFoundException)
        {
            return new BootResult(Verdict.InfrastructureError($"{ex.GetType().Name}: {ex.Message}"), BootLog.Normalise(console.Captured));
        }
        finally
        {
            await container.DisposeAsync().ConfigureAwait(false);
            clock.Lap("remove");
        }
    }

    private async Task<BootResult> AwaitVerdictAsync(IContainer container, BootConsole console, PhaseClock clock, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var exited = _client.Containers.WaitContainerAsync(container.Id, linked.Token);
        var hung = Task.Delay(_options.BootTimeout, linked.Token);
        var first = await Task.WhenAny(console.MultiUserReached, exited, hung).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        clock.Lap("boot");

        try
        {
            if (first == console.MultiUserReached)
            {
                return await SettleAsync(container, console, exited, clock, cancellationToken).ConfigureAwait(false);
            }

            if (first == exited)
            {
                var exit = await exited.ConfigureAwait(false);
                var log = await FullLogAsync(container, console).ConfigureAwait(false);
                clock.Lap("logs");
                return new BootResult(_classifier.Exited(log, exit.StatusCode), log);
            }

            var hungLog = await FullLogAsync(container, console).ConfigureAwait(false);
            return new BootResult(VerdictClassifier.Hung(hungLog), hungLog);
        }
        finally
        {
            await linked.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(exited, hung).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// multi-user.target was reached: ask systemd whether the boot finished cleanly (running) or with failed units
    /// (degraded). If systemd cannot answer, the cell did not boot in the brief's sense.
    /// </summary>
    private async Task<BootResult> SettleAsync(IContainer container, BootConsole console, Task<ContainerWaitResponse> exited, PhaseClock clock, CancellationToken cancellationToken)
    {
        using var settle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        settle.CancelAfter(_options.SettleTimeout);
        ExecResult state;
        try
        {
            state = await container.ExecAsync(["systemctl", "is-system-running", "--wait"], settle.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var log = await FullLogAsync(container, console).ConfigureAwait(false);
            return new BootResult(VerdictClassifier.NeverSettled(), log);
        }
        catch (DockerApiException) when (exited.IsCompleted)
        {
            var log = await FullLogAsync(container, console).ConfigureAwait(false);
            return new BootResult(_classifier.Exited(log, (await exited.ConfigureAwait(false)).StatusCode), log);
        }

        var systemState = state.Stdout.Trim();
        clock.Lap("settle");
        var fullLog = await FullLogAsync(container, console).ConfigureAwait(false);
        clock.Lap("logs");
        if (systemState is not ("running" or "degraded"))
        {
            return new BootResult(_classifier.NotRunning(state.Stdout, state.Stderr), fullLog);
        }

        var failedUnits = Array.Empty<string>();
        if (systemState == "degraded")
        {
            var failed = await container.ExecAsync(["systemctl", "list-units", "--failed", "--no-legend", "--plain", "--no-pager"], cancellationToken).ConfigureAwait(false);
            failedUnits = failed.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(l => l.Split(' ', 2)[0])
                .ToArray();
        }

        var reached = fullLog.Split('\n').Where(BootLog.IsMultiUserReached).Take(1).ToList();
        return new BootResult(Verdict.Booted(systemState, failedUnits, reached), fullLog);
    }

    /// <summary>The engine's log of the container is complete even where the attach stream lagged behind the exit.</summary>
    private static async Task<string> FullLogAsync(IContainer container, BootConsole console)
    {
        try
        {
            var (stdout, stderr) = await container.GetLogsAsync(timestampsEnabled: false).ConfigureAwait(false);
            var text = stdout + stderr;
            return BootLog.Normalise(text.Length >= console.Captured.Length ? text : console.Captured);
        }
        catch (DockerApiException)
        {
            return BootLog.Normalise(console.Captured);
        }
    }

    /// <summary>The image's own command (systemd's path differs between distributions).</summary>
    private async Task<IReadOnlyList<string>> ImageCommandAsync(string image, CancellationToken cancellationToken)
    {
        var inspected = await _client.Images.InspectImageAsync(image, cancellationToken).ConfigureAwait(false);
        return inspected.Config?.Cmd is { Count: > 0 } cmd ? cmd.ToList() : ["/lib/systemd/systemd"];
    }

    /// <summary>The chown-cgroup remedy: the helper hands the cell's cgroup over, then the waiting entrypoint is told to exec systemd.</summary>
    private async Task<IReadOnlyList<string>> HandOverCgroupAsync(IContainer container, ContainerSpec spec, CancellationToken cancellationToken)
    {
        var inspected = await _client.Containers.InspectContainerAsync(container.Id, cancellationToken).ConfigureAwait(false);
        var lines = await _helpers.HandOverCgroupAsync(spec, inspected.State?.Pid ?? 0, cancellationToken).ConfigureAwait(false);
        await container.ExecAsync(["touch", ContainerSpec.HandOverMarker], cancellationToken).ConfigureAwait(false);
        return lines;
    }

    private sealed record BootResult(Verdict Verdict, string Log);
}
