using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using SystemdMatrix.Matrix;
using SystemdMatrix.Model;
using SystemdMatrix.Reporting;

namespace SystemdMatrix.Cli;

/// <summary><c>estimate</c>: a matrix's wall time over N shards on CI runners with KVM, from measured cell times.</summary>
internal static class EstimateCommand
{
    public static Command Create()
    {
        var matrix = new Option<string>("--matrix") { Description = "The named matrix.", DefaultValueFactory = _ => "nightly" };
        var shards = new Option<int>("--shards") { Description = "How many shards run side by side.", DefaultValueFactory = _ => 8 };
        var speedup = new Option<double>("--kvm-speedup") { Description = "Assumed: how much faster a VM cell and boot run under KVM than under this machine's TCG.", DefaultValueFactory = _ => 5 };
        var local = new Option<bool>("--with-local") { Description = "Each shard also runs its cells on the runner's own engine (--host local), as the nightly does.", DefaultValueFactory = _ => true };
        var command = new Command("estimate", "Estimate a matrix's wall time over N shards on hosted runners with KVM, from the committed results' measured cell times (VM cells under TCG, scaled by --kvm-speedup) and stated assumptions.") { matrix, shards, speedup, local };
        command.SetAction(result => Out.Guard(() =>
        {
            var layout = CliOptions.Layout(result);
            var definition = Data.ProjectData.Load(layout).Definition;
            var named = definition.Find(result.GetValue(matrix)!);
            var cells = definition.Expand(named).ToList();
            if (result.GetValue(local))
            {
                cells.AddRange(Local.LocalMatrix.OnEngine(cells, DaemonProfile.Default with { Name = Local.LocalEngine.ProfileName }));
            }

            // Measured seconds per cell where a committed result has the cell, else the median of its host kind's.
            var measured = CommittedReports.Load(layout).SelectMany(r => r.Cells).Where(r => r.Timing.Seconds > 0).ToList();
            var byId = measured.GroupBy(r => r.Cell.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Timing.Seconds, StringComparer.Ordinal);
            double Median(bool vm) => measured.Where(r => (r.Cell.Host.Kind == HostKind.Vm) == vm).Select(r => r.Timing.Seconds).Order().DefaultIfEmpty(vm ? 15 : 2).ElementAt(measured.Count(r => (r.Cell.Host.Kind == HostKind.Vm) == vm) / 2);
            var (vmMedian, engineMedian) = (Median(true), Median(false));
            double Seconds(Cell cell) => byId.TryGetValue(cell.Id, out var s) ? s : cell.Host.Kind == HostKind.Vm ? vmMedian : engineMedian;

            var assumptions = new EstimateAssumptions { KvmSpeedup = result.GetValue(speedup) };
            var walls = ShardEstimate.Estimate(cells, result.GetValue(shards), Seconds, assumptions);
            var table = new Table().AddColumns("shard", "cells", "VM boots", "VM min", "engine min", "wall min");
            foreach (var wall in walls)
            {
                table.AddRow(wall.Shard.ToString(CultureInfo.InvariantCulture), wall.Cells.ToString(CultureInfo.InvariantCulture), wall.VmBoots.ToString(CultureInfo.InvariantCulture), (wall.VmSeconds / 60).ToString("0.0", CultureInfo.InvariantCulture), (wall.EngineSeconds / 60).ToString("0.0", CultureInfo.InvariantCulture), (wall.WallSeconds / 60).ToString("0.0", CultureInfo.InvariantCulture));
            }

            AnsiConsole.Write(table);
            var known = cells.Count(c => byId.ContainsKey(c.Id));
            Out.Log($"matrix {named.Name}: {cells.Count} cells ({known} with a measured time; the others at the median of their host kind: VM {vmMedian:0.0} s, engine {engineMedian:0.00} s under this machine's speeds); "
                + $"assumed: KVM {assumptions.KvmSpeedup:0.#}x TCG, {assumptions.ParallelVms} VMs x {assumptions.CellsPerVm} cells at once, {assumptions.CellsPerEngine} cells per engine, VM boot {assumptions.VmBootSeconds:0} s under TCG, {assumptions.JobOverheadSeconds / 60:0} min per job");
            Out.Log($"nightly wall time over {walls.Count} shards: {walls.Max(w => w.WallSeconds) / 60:0} min (the slowest shard), then the merge job");
            return Task.FromResult(0);
        }));
        return command;
    }
}
