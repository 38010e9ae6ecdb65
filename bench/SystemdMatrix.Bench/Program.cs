using System.Diagnostics;
using System.Globalization;
using SystemdMatrix.Boot;
using SystemdMatrix.Engines;
using SystemdMatrix.Images;
using SystemdMatrix.Isolation;
using SystemdMatrix.Matrix;
using SystemdMatrix.Model;
using SystemdMatrix.Processes;
using SystemdMatrix.Runs;

// Side-by-side benchmark, one run: for each cell, the harness (CellRunner: Testcontainers, console-driven readiness)
// and two docker CLI baselines boot the same cell on the same engine, in turn (harness, poll, event, harness, ...),
// one cell at a time so none competes with another: bench/bare-loop.sh (what a person scripts: 0.1 s polling) and
// bench/event-loop.sh (the real limit: `docker logs -f` until the multi-user line, `docker wait` for an exit). All
// must reach the same verdict. On a VM host (--host vm-RELEASE-MODE) the baselines run inside the guest, on its own
// docker CLI and socket (through a privileged helper that enters the guest's namespaces, timed there), so they pay
// neither the forwarded socket nor the harness's isolation work; the harness's time is its whole cell as a run
// boots it. Prints each cell's median seconds per side and the ratios.
//
// Usage: dotnet run -c Release --project bench/SystemdMatrix.Bench -- [--matrix smoke] [--image debian-bookworm] [--host sandbox|vm-bookworm-v2] [--repeat 3] [--allow-host-writes]
var options = Args.Parse(args);
var layout = RepositoryLayout.Discover();
var data = SystemdMatrix.Data.ProjectData.Load(layout);
var (manifest, definition) = (data.Manifest, data.Definition);
string[] baselines = ["bare-loop.sh", "event-loop.sh"];
void Log(string message) => Console.WriteLine($"{DateTime.Now:HH:mm:ss} {message}");

if (!definition.Hosts.TryGetValue(options.Host, out var hostSpec))
{
    Console.Error.WriteLine($"--host {options.Host}: unknown host (known: {string.Join(", ", definition.Hosts.Keys)})");
    return 2;
}

var image = (await ImageSet.EnsureAsync(layout, manifest, [manifest.Find(options.Image)], new ImageCache(ImageCache.DefaultRoot), Log, CancellationToken.None))[0];
if (!image.IsAvailable)
{
    Console.Error.WriteLine($"{options.Image} is unavailable: {image.Reason}");
    return 2;
}

var providers = new HostProviders(layout, new ImageCache(ImageCache.DefaultRoot));
var provider = providers.For(hostSpec);
await using var session = await provider.StartSessionAsync(hostSpec, DaemonProfile.Default, [image.Facts!], new CellRunnerOptions { Catalogue = data.Signatures }, "benchmark", Log, CancellationToken.None);
await using var inGuest = hostSpec.Kind == HostKind.Vm ? await GuestShell.StartAsync(session, image.Facts!.Tag) : null;
var cells = definition.Expand(definition.Find(options.Matrix))
    .Where(c => c.Image == options.Image && c.Daemon == DaemonProfile.Default && c.Host == hostSpec)
    .ToList();
if (cells.Count == 0)
{
    Console.Error.WriteLine($"matrix {options.Matrix} has no cell of {options.Image} under the default profile on {options.Host}");
    return 2;
}

var rows = new List<(Cell Cell, string Verdict, double Harness, double Poll, double Event)>();
var mismatches = 0;

// The harness side decides its cells as `run` does (cells not applicable here or needing consent are left out, as
// `run` would leave them); each cell it would boot is timed against the baselines.
var notRun = 0;
await new CellDecider(definition, options.AllowHostWrites).DecideAsync(
    provider,
    hostSpec,
    DaemonProfile.Default,
    cells,
    _ => image,
    _ => Task.FromResult(session),
    async (shared, toBoot, booted) =>
    {
        Log($"{toBoot.Count} cells of {options.Matrix} on {shared.Host.Describe()}, {options.Repeat} runs each per side");
        foreach (var cell in toBoot)
        {
            booted(await TimeAsync(shared, cell));
        }
    },
    decision => notRun += decision.Stage == DecisionStage.Booted ? 0 : 1,
    CancellationToken.None);
Log($"{notRun} cells not run here (not applicable or skipped without consent)");

async Task<CellOutcome> TimeAsync(BootSession session, Cell cell)
{
    var harness = new List<double>();
    var baseline = baselines.ToDictionary(b => b, _ => new List<double>());
    CellOutcome? last = null;
    string harnessVerdict = string.Empty;
    var baselineVerdicts = new Dictionary<string, string>();
    for (var i = 0; i < options.Repeat; i++)
    {
        var watch = Stopwatch.StartNew();
        last = await session.RunAsync(cell, CancellationToken.None);
        harness.Add(watch.Elapsed.TotalSeconds);
        harnessVerdict = Summarise(last.Verdict);

        var flags = ContainerSpec.For(image.Facts!.Tag, cell.Run).Flags();
        foreach (var script in baselines)
        {
            var (line, seconds) = await RunBaselineAsync(session, script, [image.Facts.Tag, .. flags]);
            baseline[script].Add(seconds);
            // The loops put nothing back; the harness's next cell must start from the defined state all the same (not timed).
            await session.Guard.RestoreAsync(CancellationToken.None);
            baselineVerdicts[script] = line.Split(' ', 2)[0] switch
            {
                "booted" => "booted",
                "failed" => "failed",
                "refused" => "engine-refused",
                var other => other,
            };
        }
    }

    foreach (var (script, verdict) in baselineVerdicts.Where(v => v.Value != harnessVerdict))
    {
        mismatches++;
        Log($"MISMATCH {cell.Id}: harness {harnessVerdict}, {script} {verdict}");
    }

    var row = (cell, harnessVerdict, Median(harness), Median(baseline[baselines[0]]), Median(baseline[baselines[1]]));
    rows.Add(row);
    Log(string.Create(CultureInfo.InvariantCulture, $"{cell.Id}: {harnessVerdict}  harness {row.Item3:0.000} s  poll {row.Item4:0.000} s  event {row.Item5:0.000} s  ratio/event {row.Item3 / row.Item5:0.00}"));
    return last!;
}

// A baseline's verdict line and its seconds: on a sandbox engine timed here around the script; on a VM host timed
// inside the guest around the script run on the guest's own docker.
async Task<(string Line, double Seconds)> RunBaselineAsync(BootSession session, string script, IReadOnlyList<string> arguments)
{
    var path = Path.Combine(layout.Root, "bench", script);
    if (inGuest is null)
    {
        var watch = Stopwatch.StartNew();
        var result = await ProcessRunner.RunAsync(path, arguments, session.Engine.Endpoint.CliEnvironment);
        return (result.StandardOutput.Trim(), watch.Elapsed.TotalSeconds);
    }

    return await inGuest.RunTimedAsync(await File.ReadAllTextAsync(path), arguments);
}

Console.WriteLine();
Console.WriteLine($"{options.Host}, {options.Image}:");
Console.WriteLine("| cell | verdict | harness s | poll loop s | event loop s | harness / poll | harness / event |");
Console.WriteLine("|---|---|---:|---:|---:|---:|---:|");
foreach (var row in rows)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {row.Cell.Run.Key} | {row.Verdict} | {row.Harness:0.000} | {row.Poll:0.000} | {row.Event:0.000} | {row.Harness / row.Poll:0.00} | {row.Harness / row.Event:0.00} |"));
}

var ratios = rows.Select(r => r.Harness / r.Event).ToList();
var geometricMean = Math.Exp(ratios.Average(Math.Log));
Console.WriteLine();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{rows.Count} cells: harness total {rows.Sum(r => r.Harness):0.0} s, poll loop {rows.Sum(r => r.Poll):0.0} s, event loop {rows.Sum(r => r.Event):0.0} s; harness / event per cell: geometric mean {geometricMean:0.00}, median {Median(ratios):0.00}, worst {ratios.Max():0.00} ({rows[ratios.IndexOf(ratios.Max())].Cell.Run.Key}); {mismatches} verdict mismatches"));
Console.WriteLine();
Console.WriteLine("| verdict | cells | median harness | median poll loop | median event loop | median harness / poll | median harness / event |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
foreach (var group in rows.GroupBy(r => r.Verdict))
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {group.Key} | {group.Count()} | {Median(group.Select(r => r.Harness).ToList()):0.000} s | {Median(group.Select(r => r.Poll).ToList()):0.000} s | {Median(group.Select(r => r.Event).ToList()):0.000} s | {Median(group.Select(r => r.Harness / r.Poll).ToList()):0.00} | {Median(group.Select(r => r.Harness / r.Event).ToList()):0.00} |"));
}

return mismatches == 0 ? 0 : 1;

static string Summarise(Verdict verdict) => AxisNames.Of(verdict.Kind);

static double Median(IReadOnlyList<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

internal sealed record Args(string Matrix, string Image, string Host, int Repeat, bool AllowHostWrites)
{
    public static Args Parse(string[] args)
    {
        string Value(string name, string fallback)
        {
            var at = Array.IndexOf(args, name);
            return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
        }

        return new Args(Value("--matrix", "smoke"), Value("--image", "debian-bookworm"), Value("--host", "sandbox"), int.Parse(Value("--repeat", "3"), CultureInfo.InvariantCulture), args.Contains("--allow-host-writes"));
    }
}

/// <summary>
/// A privileged helper in a VM host's pid namespace whose shell enters the guest's own namespaces (nsenter -t 1) to
/// run a baseline script with the guest's docker CLI on the guest's socket, timed inside the guest.
/// </summary>
internal sealed class GuestShell(AttachedShell shell) : IAsyncDisposable
{
    public static async Task<GuestShell> StartAsync(BootSession session, string helperImage)
    {
        var args = new List<string> { "--network", "none", "--pid=host", "--privileged", "--label", $"{CellRunner.CellLabel}=bench-guest-shell" };
        if (session.Host.UsernsRemap)
        {
            args.Add("--userns=host");
        }

        return new GuestShell(await AttachedShell.StartAsync(new DockerCli(session.Engine.Endpoint), args, helperImage, CancellationToken.None));
    }

    public async Task<(string Line, double Seconds)> RunTimedAsync(string script, IReadOnlyList<string> arguments)
    {
        static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
        var encoded = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(script));
        var request = $"""
            echo '{encoded}' | base64 -d > /tmp/baseline.sh
            nsenter -t 1 -m -u -i -n -p -- sh -c 'cat > /tmp/systemd-matrix-baseline.sh' < /tmp/baseline.sh
            start=$(date +%s%N)
            line=$(nsenter -t 1 -m -u -i -n -p -- bash /tmp/systemd-matrix-baseline.sh {string.Join(' ', arguments.Select(Quote))})
            end=$(date +%s%N)
            echo "$line"
            echo "ns $((end - start))"
            """;
        var result = await shell.RunAsync(request, CancellationToken.None);
        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var nanoseconds = long.Parse(lines.Last(l => l.StartsWith("ns ", StringComparison.Ordinal))[3..], CultureInfo.InvariantCulture);
        return (lines.FirstOrDefault(l => !l.StartsWith("ns ", StringComparison.Ordinal)) ?? string.Empty, nanoseconds / 1e9);
    }

    public ValueTask DisposeAsync() => shell.DisposeAsync();
}
