using System.Diagnostics;
using System.Globalization;
using SystemdMatrix.Boot;
using SystemdMatrix.Images;
using SystemdMatrix.Matrix;
using SystemdMatrix.Model;
using SystemdMatrix.Processes;
using SystemdMatrix.Runs;

// Side-by-side benchmark, one run: for each cell, the harness (CellRunner: Testcontainers, console-driven readiness)
// and bench/bare-loop.sh (docker CLI, 0.1 s polling) boot the same cell on the same sandbox engine, in turn
// (harness, bare, harness, bare, ...), one cell at a time so neither competes with the other. Both must reach the
// same verdict. Prints each cell's median seconds for both and the ratio harness/bare.
//
// Usage: dotnet run -c Release --project bench/SystemdMatrix.Bench -- [--matrix smoke] [--image debian-bookworm] [--repeat 3] [--allow-host-writes]
var options = Args.Parse(args);
var layout = RepositoryLayout.Discover();
var data = SystemdMatrix.Data.ProjectData.Load(layout);
var (manifest, definition) = (data.Manifest, data.Definition);
var bareLoop = Path.Combine(layout.Root, "bench", "bare-loop.sh");
void Log(string message) => Console.WriteLine($"{DateTime.Now:HH:mm:ss} {message}");

var image = (await ImageSet.EnsureAsync(layout, manifest, [manifest.Find(options.Image)], new ImageCache(ImageCache.DefaultRoot), Log, CancellationToken.None))[0];
if (!image.IsAvailable)
{
    Console.Error.WriteLine($"{options.Image} is unavailable: {image.Reason}");
    return 2;
}

var providers = new HostProviders(layout, new ImageCache(ImageCache.DefaultRoot));
await using var session = await providers.Sandbox.StartSessionAsync(HostSpec.Sandbox, DaemonProfile.Default, [image.Facts!], new CellRunnerOptions { Catalogue = data.Signatures }, "benchmark", Log, CancellationToken.None);
var cells = definition.Expand(definition.Find(options.Matrix))
    .Where(c => c.Image == options.Image && c.Daemon == DaemonProfile.Default && c.Host.Kind == HostKind.Sandbox)
    .ToList();

var rows = new List<(Cell Cell, string Verdict, double Harness, double Bare)>();
var mismatches = 0;

// The harness side decides its cells as `run` does (cells not applicable here or needing consent are left out, as
// `run` would leave them); each cell it would boot is timed against the bare loop.
var notRun = 0;
await new CellDecider(definition, options.AllowHostWrites).DecideAsync(
    providers.Sandbox,
    HostSpec.Sandbox,
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
    var bare = new List<double>();
    CellOutcome? last = null;
    string harnessVerdict = string.Empty, bareVerdict = string.Empty;
    for (var i = 0; i < options.Repeat; i++)
    {
        var watch = Stopwatch.StartNew();
        last = await session.RunAsync(cell, CancellationToken.None);
        harness.Add(watch.Elapsed.TotalSeconds);
        harnessVerdict = Summarise(last.Verdict);

        var flags = ContainerSpec.For(image.Facts!.Tag, cell.Run).Flags();
        watch.Restart();
        var result = await ProcessRunner.RunAsync(bareLoop, [image.Facts.Tag, .. flags], session.Engine.Endpoint.CliEnvironment);
        bare.Add(watch.Elapsed.TotalSeconds);
        // The loop puts nothing back; the harness's next cell must start from the defined state all the same (not timed).
        await session.Guard.RestoreAsync(CancellationToken.None);
        bareVerdict = result.StandardOutput.Trim().Split(' ', 2)[0] switch
        {
            "booted" => "booted",
            "failed" => "failed",
            "refused" => "engine-refused",
            var other => other,
        };
    }

    if (harnessVerdict != bareVerdict)
    {
        mismatches++;
        Log($"MISMATCH {cell.Id}: harness {harnessVerdict}, bare loop {bareVerdict}");
    }

    rows.Add((cell, harnessVerdict, Median(harness), Median(bare)));
    Log($"{cell.Id}: {harnessVerdict}  harness {Median(harness):0.000} s  bare {Median(bare):0.000} s  ratio {Median(harness) / Median(bare):0.00}");
    return last!;
}

Console.WriteLine();
Console.WriteLine("| cell | verdict | harness s | bare CLI loop s | ratio |");
Console.WriteLine("|---|---|---:|---:|---:|");
foreach (var row in rows)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {row.Cell.Run.Key} | {row.Verdict} | {row.Harness:0.000} | {row.Bare:0.000} | {row.Harness / row.Bare:0.00} |"));
}

var ratios = rows.Select(r => r.Harness / r.Bare).ToList();
var geometricMean = Math.Exp(ratios.Average(Math.Log));
Console.WriteLine();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{rows.Count} cells: harness total {rows.Sum(r => r.Harness):0.0} s, bare loop total {rows.Sum(r => r.Bare):0.0} s; ratio per cell: geometric mean {geometricMean:0.00}, median {Median(ratios):0.00}, worst {ratios.Max():0.00} ({rows[ratios.IndexOf(ratios.Max())].Cell.Run.Key}); {mismatches} verdict mismatches"));
foreach (var group in rows.GroupBy(r => r.Verdict))
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  {group.Key}: {group.Count()} cells, median harness {Median(group.Select(r => r.Harness).ToList()):0.000} s, median bare {Median(group.Select(r => r.Bare).ToList()):0.000} s, median ratio {Median(group.Select(r => r.Harness / r.Bare).ToList()):0.00}"));
}

return mismatches == 0 ? 0 : 1;

static string Summarise(Verdict verdict) => AxisNames.Of(verdict.Kind);

static double Median(IReadOnlyList<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

internal sealed record Args(string Matrix, string Image, int Repeat, bool AllowHostWrites)
{
    public static Args Parse(string[] args)
    {
        string Value(string name, string fallback)
        {
            var at = Array.IndexOf(args, name);
            return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
        }

        return new Args(Value("--matrix", "smoke"), Value("--image", "debian-bookworm"), int.Parse(Value("--repeat", "3"), CultureInfo.InvariantCulture), args.Contains("--allow-host-writes"));
    }
}
