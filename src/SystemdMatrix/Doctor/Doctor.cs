using System.Diagnostics;
using SystemdMatrix.Boot;
using SystemdMatrix.Data;
using SystemdMatrix.Engines;
using SystemdMatrix.Images;
using SystemdMatrix.Local;
using SystemdMatrix.Model;
using SystemdMatrix.Reporting;
using SystemdMatrix.Results;
using SystemdMatrix.Runs;
using SystemdMatrix.Snippets;

namespace SystemdMatrix.Doctor;

/// <summary>What <c>doctor</c> is asked: which engine, which image (default: the matrix's bookworm image), whether it may write the host's tree.</summary>
public sealed record DoctorOptions(LocalEngineAddress Address)
{
    public const string DefaultImage = "debian-bookworm";

    /// <summary>The user's own image, already on their engine; null for the matrix's <see cref="DefaultImage"/>.</summary>
    public string? Image { get; init; }

    public bool AllowHostWrites { get; init; }
}

/// <summary>How one candidate came out.</summary>
public enum ProbeOutcome
{
    Booted,
    Failed,

    /// <summary>The engine rejected the flags before systemd ran (an option it does not know).</summary>
    EngineRefused,

    /// <summary>The harness or the engine broke; says nothing about the configuration.</summary>
    Broken,

    /// <summary>A rule says it cannot work on this engine (writable-cgroups before Docker 28, a bind option the API lacks).</summary>
    NotApplicable,

    /// <summary>It could write the host's tree and the user did not opt in.</summary>
    Skipped,

    /// <summary>A less privileged candidate booted first.</summary>
    NotProbed,
}

/// <summary>One candidate: its configuration, how it came out and why, and its <c>docker run</c> line.</summary>
public sealed record DoctorProbe(int Rank, Cell Cell, ProbeOutcome Outcome, Verdict? Verdict, string Why, double Seconds)
{
    /// <summary>The configuration's <c>docker run</c> flags as a person writes them.</summary>
    public string Flags => string.Join(' ', ContainerSpec.For("IMAGE", Cell.Run).Flags());

    public string DockerRun(string image) => ContainerSpec.For(image, Cell.Run).Equivalent();
}

/// <summary>Published host classes that match the engine (same cgroup mode, engine major.minor, driver and remap), or why none does.</summary>
public sealed record HostClassMatch(IReadOnlyList<string> Hosts, string Description);

/// <summary>Everything <c>doctor</c> found, for the terminal and <c>--json</c> alike.</summary>
public sealed record DoctorReport(
    string Engine,
    string EngineDescription,
    HostIdentity Host,
    string Image,
    HostClassMatch HostClass,
    IReadOnlyList<DoctorProbe> Probes,
    ConfigurationSnippets? Snippets,
    string Confirmation,
    double Seconds)
{
    public DoctorProbe? Working => Probes.FirstOrDefault(p => p.Outcome == ProbeOutcome.Booted);
}

/// <summary>
/// <c>systemd-matrix doctor</c>: reads the user's engine, says which published host class it is, then boots the image
/// with candidate configurations from least to most privileged through the matrix's own decision sequence
/// (<see cref="CellDecider"/>: rules, consent, the cell runner and its signatures) and stops at the first that boots.
/// </summary>
public static class DoctorRun
{
    public static async Task<DoctorReport> RunAsync(RepositoryLayout layout, ProjectData data, ImageCache cache, DoctorOptions options, Action<string> log, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var facts = await LocalEngine.ReadAsync(options.Address, cancellationToken).ConfigureAwait(false);
        var status = options.Image is { } own
            ? await UserImageAsync(facts, own, cancellationToken).ConfigureAwait(false)
            : (await ImageSet.EnsureAsync(layout, data.Manifest, [data.Manifest.Find(DoctorOptions.DefaultImage)], cache, log, cancellationToken).ConfigureAwait(false))[0];
        if (status.Facts is not { } image)
        {
            throw new LocalEngineException($"image {status.Image.Name} is unavailable here: {status.Reason}");
        }

        var provider = new LocalHostProvider(options.Address, options.AllowHostWrites);
        var predicted = LocalEngine.Predict(facts);
        var candidates = DoctorCandidates.For(image.Name, facts.Profile, predicted);
        var decisions = new Dictionary<string, CellDecision>(StringComparer.Ordinal);
        HostIdentity host = predicted;
        var engineDescription = predicted.Describe();
        var runner = new CellRunnerOptions { Catalogue = data.Signatures };
        await new CellDecider(data.Definition, options.AllowHostWrites).DecideAsync(
            provider,
            HostSpec.Local,
            facts.Profile,
            candidates,
            _ => status,
            ct => provider.StartSessionAsync(HostSpec.Local, facts.Profile, [image], runner, "doctor", log, ct),
            async (session, toBoot, booted) =>
            {
                await using (session.ConfigureAwait(false))
                {
                    host = session.Host;
                    engineDescription = ((LocalEngine)session.Engine).Describe();
                    foreach (var cell in toBoot)
                    {
                        var outcome = await session.RunAsync(cell, cancellationToken).ConfigureAwait(false);
                        booted(outcome);
                        log($"{cell.Run.Key}: {outcome.Verdict.Label} ({outcome.Duration.TotalSeconds:0.0} s)");
                        if (outcome.Verdict.Kind == VerdictKind.Booted)
                        {
                            break;
                        }
                    }
                }
            },
            decision => decisions[decision.Cell.Id] = decision,
            cancellationToken).ConfigureAwait(false);

        var probes = candidates.Select((cell, i) => Probe(i + 1, cell, decisions.GetValueOrDefault(cell.Id), data)).ToList();
        var working = probes.FirstOrDefault(p => p.Outcome == ProbeOutcome.Booted);
        var published = CommittedReports.Load(layout).SelectMany(r => r.Cells).ToList();
        return new DoctorReport(
            options.Address.ToString(),
            engineDescription,
            host,
            image.Tag,
            MatchHostClass(host, published),
            probes,
            working is null ? null : ConfigurationSnippets.For(image.Tag, working.Cell.Run, facts.Profile with { CgroupDriver = null }),
            working is null ? "nothing booted, so there is nothing for the matrix to confirm" : Confirm(working.Cell, options.Image is null, host, published),
            watch.Elapsed.TotalSeconds);
    }

    /// <summary>The published host classes of the same cgroup mode, engine major.minor, driver and remap as this host.</summary>
    public static HostClassMatch MatchHostClass(HostIdentity host, IReadOnlyList<CellRecord> published)
    {
        var hosts = published.Where(c => c.Host is not null && c.Cell.Host.Kind != HostKind.Local).Select(c => (Name: c.Cell.Host.Name, Host: c.Host!)).ToList();
        var matching = hosts.Where(h => SameClass(h.Host, host)).Select(h => h.Name).Distinct().Order(StringComparer.Ordinal).ToList();
        var what = $"Docker {host.EngineMajorMinor} on cgroup {AxisNames.Of(host.CgroupMode)}, driver {AxisNames.Of(host.CgroupDriver)}, userns-remap {(host.UsernsRemap ? "on" : "off")}{(host.CgroupNsDelegate ? string.Empty : ", cgroup2 without nsdelegate")}{(host.CgroupTopReadOnly ? string.Empty : ", /sys/fs/cgroup tmpfs writable")}";
        if (matching.Count > 0)
        {
            return new HostClassMatch(matching, $"{what}: the published host class of {string.Join(", ", matching)}");
        }

        var sameMode = hosts.Where(h => h.Host.CgroupMode == host.CgroupMode).Select(h => $"{h.Name} (Docker {h.Host.EngineMajorMinor})").Distinct().Order(StringComparer.Ordinal).ToList();
        return new HostClassMatch([], $"{what}: no published host class matches{(sameMode.Count > 0 ? $"; on cgroup {AxisNames.Of(host.CgroupMode)} the tables have {string.Join(", ", sameMode)}" : string.Empty)}");
    }

    /// <summary>What decides a boot, as the snapshots key it (<see cref="HostIdentity.ClassKey"/> without kind and release): cgroup mode, engine major.minor, driver, remap, the tree's options.</summary>
    public static bool SameClass(HostIdentity a, HostIdentity b) =>
        (a with { Kind = HostKind.Local, Release = string.Empty }).ClassKey == (b with { Kind = HostKind.Local, Release = string.Empty }).ClassKey;

    /// <summary>What the committed results say of the working configuration on hosts of this class (for the matrix's own image).</summary>
    public static string Confirm(Cell working, bool matrixImage, HostIdentity host, IReadOnlyList<CellRecord> published)
    {
        if (!matrixImage)
        {
            return "your own image: the matrix measures only its own images, so this probe is the evidence";
        }

        var same = published.Where(c => c.Host is { } h && c.Cell.Host.Kind != HostKind.Local && SameClass(h, host)
                && c.Cell.Image == working.Image && c.Cell.Run == working.Run && c.Cell.Daemon.UsernsRemap == working.Daemon.UsernsRemap && c.Cell.Daemon.CgroupParent is null)
            .OrderBy(c => c.Cell.Id, StringComparer.Ordinal)
            .ToList();
        var booted = same.Where(c => c.Verdict.Kind == VerdictKind.Booted).ToList();
        if (booted.Count > 0)
        {
            return $"confirmed by the matrix: {booted[0].Cell.Id} booted ({booted.Count} published cell{(booted.Count == 1 ? string.Empty : "s")} of this host class)";
        }

        return same.Count > 0
            ? $"the matrix has it as {same[0].Verdict.Label} on {same[0].Cell.Id}: this host differs from that class in something the class does not capture"
            : "the matrix has not measured this configuration on a host of this class";
    }

    private static DoctorProbe Probe(int rank, Cell cell, CellDecision? decision, ProjectData data)
    {
        if (decision is null)
        {
            return new DoctorProbe(rank, cell, ProbeOutcome.NotProbed, null, "not tried: a less privileged configuration boots", 0);
        }

        var verdict = decision.Verdict;
        var seconds = decision.Outcome?.Duration.TotalSeconds ?? 0;
        return verdict.Kind switch
        {
            VerdictKind.Booted => new DoctorProbe(rank, cell, ProbeOutcome.Booted, verdict, $"booted ({verdict.SystemState})", seconds),
            VerdictKind.EngineRefused => new DoctorProbe(rank, cell, ProbeOutcome.EngineRefused, verdict, $"the engine refused it: {verdict.Message}", seconds),
            VerdictKind.InfrastructureError => new DoctorProbe(rank, cell, ProbeOutcome.Broken, verdict, $"the probe broke (not a statement about systemd): {verdict.Message}", seconds),
            VerdictKind.NotApplicable => new DoctorProbe(rank, cell, ProbeOutcome.NotApplicable, verdict, verdict.Message ?? "not applicable", seconds),
            VerdictKind.Skipped => new DoctorProbe(rank, cell, ProbeOutcome.Skipped, verdict, verdict.Message ?? "skipped", seconds),
            _ when verdict.Signature is { } id && data.Signatures.Find(id) is { } signature =>
                new DoctorProbe(rank, cell, ProbeOutcome.Failed, verdict, $"{signature.Id}: {signature.Title}. {signature.Explanation}", seconds),
            _ => new DoctorProbe(rank, cell, ProbeOutcome.Failed, verdict, verdict.Summary, seconds),
        };
    }

    /// <summary>The user's image: it must be on their engine and hold systemd.</summary>
    private static async Task<ImageStatus> UserImageAsync(LocalEngineFacts facts, string image, CancellationToken cancellationToken)
    {
        var cli = new DockerCli(new EngineEndpoint(facts.Address.Socket, facts.Negotiated));
        var inspect = await cli.RunAsync(["image", "inspect", "--format", "{{.Id}}", image], cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!inspect.Succeeded)
        {
            throw new LocalEngineException($"image {image} is not on the engine at {facts.Address}: pull or build it there first (docker pull {image}), or leave --image out to use the matrix's {DoctorOptions.DefaultImage}");
        }

        var systemd = await cli.RunAsync(
            ["run", "--rm", "--network", "none", "--label", $"{CellRunner.CellLabel}=doctor-probe", "--label", $"{LocalEngine.OwnerLabel}={LocalEngine.Owner}", "--entrypoint", "systemctl", image, "--version"],
            cancellationToken: cancellationToken).ConfigureAwait(false);
        var version = System.Text.RegularExpressions.Regex.Match(systemd.StandardOutput, @"^systemd (?<v>\d+)", System.Text.RegularExpressions.RegexOptions.Multiline);
        if (!systemd.Succeeded || !version.Success)
        {
            throw new LocalEngineException($"image {image} has no systemd (`systemctl --version` in it said: {systemd.Tail(2).Replace('\n', ' ')}): doctor boots systemd images; install systemd in it and make /sbin/init (or /lib/systemd/systemd) its command");
        }

        var definition = new ImageDefinition(image, "user", "own", null, "user", [], [], BaseSource.Registry);
        return new ImageStatus(definition, ImageState.Cached, new ImageFacts(image, image, string.Empty, "user", version.Groups["v"].Value, string.Empty, DateTimeOffset.UtcNow), null, null);
    }
}
