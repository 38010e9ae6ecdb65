using System.CommandLine;
using Spectre.Console;
using SystemdMatrix.Images;
using SystemdMatrix.Model;
using SystemdMatrix.Runs;

namespace SystemdMatrix.Cli;

/// <summary><c>run</c>: the main job. Boots a named matrix on sandbox engines and writes the compatibility table.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var matrix = new Option<string>("--matrix") { Description = "The named matrix from matrix/matrices.json.", DefaultValueFactory = _ => "full" };
        var parallel = new Option<int>("--parallel") { Description = "Cells booted at once per engine.", DefaultValueFactory = _ => MatrixRunOptions.DefaultParallelism };
        var vms = new Option<int>("--vms") { Description = "VM hosts booted at once (each takes --vm-cpus vCPUs and 2 GB).", DefaultValueFactory = _ => Hosts.VmHostProvider.DefaultParallelVms };
        var vmCpus = new Option<int?>("--vm-cpus") { Description = "vCPUs of each VM host, also its cells booted at once (default: this machine's cores shared among --vms, at least one)." };
        var where = new Option<string[]>("--where") { Description = "Only cells with this axis value, e.g. cgroupns=host, mount=rw, image=seed-replica (repeatable).", AllowMultipleArgumentsPerToken = true };
        var cell = new Option<string[]>("--cell") { Description = "Only cells whose id contains this text, or with this alias (e.g. seed#2).", AllowMultipleArgumentsPerToken = true };
        var cellsFrom = new Option<string?>("--cells-from") { Description = "Only the cells whose exact ids this file lists, one per line (for example the ids a report lists as missing)." };
        var shard = new Option<string?>("--shard") { Description = "Only shard I of N (I/N) of the selected cells, split evenly by expected cost with each host's cells kept together; `merge` joins the shards' results." };
        var fresh = new Option<bool>("--fresh") { Description = "Do not resume an interrupted run; boot every cell again." };
        var allowHostWrites = new Option<bool>(Isolation.HostWriteClassifier.OptIn)
        {
            Description = "Also run, on sandbox engines and a local engine, the cells that can write that host's own cgroup tree (rw binds, --privileged, SYS_ADMIN, ...). For throwaway machines; VM hosts run them regardless.",
        };
        var shuffle = new Option<int?>("--shuffle") { Description = "Boot each host's cells in an order shuffled by this seed (a replay that shows whether verdicts depend on order)." };
        var unused = new Option<bool>("--compare-unused-host")
        {
            Description = "Also boot each cell on the host taken back to before its engine ran any container, and show that verdict where it differs (twice the boots).",
        };
        var publish = new Option<bool>("--publish") { Description = "Commit the matrix's complete results as reference results (docs/compatibility/MATRIX.json) and render them (see `report`)." };
        var host = new Option<string?>("--host") { Description = "local: run every cell on your own engine (DOCKER_HOST, --engine or /var/run/docker.sock) as it is configured, instead of the matrix's hosts." };
        var engine = CliOptions.Engine();
        var pause = new Option<int?>("--pause-after-cells") { Description = "For tests: after this many cells, wait until interrupted.", Hidden = true };
        var command = new Command("run", "Boot every cell of a matrix and write artifacts/compatibility/MATRIX.{md,json}.") { matrix, parallel, vms, vmCpus, where, cell, cellsFrom, shard, fresh, publish, allowHostWrites, shuffle, unused, host, engine, pause };
        command.SetAction((result, ct) => Out.Guard(async () =>
        {
            var layout = CliOptions.Layout(result);
            if (result.GetValue(parallel) < 1)
            {
                Out.Error($"--parallel {result.GetValue(parallel)}: boot at least one cell at a time");
                return 2;
            }

            if (result.GetValue(vms) < 1)
            {
                Out.Error($"--vms {result.GetValue(vms)}: boot at least one VM at a time");
                return 2;
            }

            if (result.GetValue(vmCpus) is < 1)
            {
                Out.Error($"--vm-cpus {result.GetValue(vmCpus)}: a VM has at least one vCPU");
                return 2;
            }

            if (result.GetValue(host) is { } target && target != "local")
            {
                Out.Error($"--host {target}: the only host a run can be pointed at is local (your own engine); the matrix names its other hosts");
                return 2;
            }

            if (result.GetValue(engine) is not null && result.GetValue(host) is null)
            {
                Out.Error("--engine names a local engine: add --host local to run the matrix there");
                return 2;
            }

            var run = new MatrixRun(layout, new ImageCache(ImageCache.DefaultRoot), Out.Log);
            var options = new MatrixRunOptions(result.GetValue(matrix)!)
            {
                Parallelism = result.GetValue(parallel),
                ParallelVms = result.GetValue(vms),
                VmCpus = result.GetValue(vmCpus),
                Selector = new Matrix.CellSelector(result.GetValue(where) ?? [], result.GetValue(cell) ?? [])
                {
                    Ids = result.GetValue(cellsFrom) is { } file ? [.. File.ReadAllLines(file).Select(l => l.Trim()).Where(l => l.Length > 0)] : [],
                    Shard = result.GetValue(shard) is { } text ? Matrix.ShardSpec.Parse(text) : null,
                },
                Fresh = result.GetValue(fresh),
                Publish = result.GetValue(publish),
                AllowHostWrites = result.GetValue(allowHostWrites),
                PauseAfterCells = result.GetValue(pause),
                ShuffleSeed = result.GetValue(shuffle),
                CompareUnusedHost = result.GetValue(unused),
                LocalEngine = result.GetValue(host) is null ? null : Local.LocalEngineAddress.Resolve(result.GetValue(engine)),
            };
            var report = await LiveProgress.RunAsync(options, o => run.RunAsync(o, ct));

            var reports = Path.Combine(layout.Artifacts, "compatibility", report.Matrix);
            var summary = Reporting.RunSummary.Render(report, [$"{reports}.md (every cell)", $"{reports}.json", Path.Combine(layout.Artifacts, "report", "index.html")]);
            AnsiConsole.Write(new Text(summary));
            var skipped = report.Cells.Count(r => r.Verdict.Kind == VerdictKind.Skipped);
            if (skipped > 0)
            {
                Out.Log($"{skipped} cells skipped: they can write {(options.LocalEngine is null ? "this machine's" : "your host's")} cgroup tree; {Isolation.HostWriteClassifier.OptIn} runs them (on a machine you can throw away)");
            }

            var unknown = report.Cells.Count(r => r.Verdict.Signature == Signatures.SignatureCatalogue.Unknown);
            if (unknown > 0)
            {
                Out.Error($"{unknown} failed cells match no known failure signature; see the table");
            }

            var broken = report.Cells.Count(r => r.Verdict.Kind == VerdictKind.InfrastructureError);
            if (broken > 0)
            {
                Out.Error($"{broken} cells hit infrastructure errors (after retries); their verdicts are not statements about systemd");
                return 3;
            }

            return 0;
        }));
        return command;
    }
}
