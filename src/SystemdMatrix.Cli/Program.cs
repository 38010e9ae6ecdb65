using System.CommandLine;
using SystemdMatrix.Cli;

// Redirected output (CI logs, `dotnet cake`) has no terminal width; 80 columns would wrap every table row.
if (Console.IsOutputRedirected)
{
    Spectre.Console.AnsiConsole.Profile.Width = 200;
}

var root = new RootCommand("systemd-matrix: boots systemd images under every combination of cgroup and engine settings and tells which reach multi-user.target, and why the others fail.");
root.Options.Add(CliOptions.Root);
root.Options.Add(CliOptions.Artifacts);
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(ImagesCommand.Create());
root.Subcommands.Add(ReapCommand.Create());
root.Subcommands.Add(PrereqsCommand.Create());
root.Subcommands.Add(SnapshotsCommand.Create());
root.Subcommands.Add(HostsCommand.Create());
root.Subcommands.Add(CompareCommand.Create());
root.Subcommands.Add(MergeCommand.Create());
root.Subcommands.Add(SchemaCommand.Create());
root.Subcommands.Add(ReportCommand.Create());
root.Subcommands.Add(ExplainCommand.Create());
root.Subcommands.Add(DoctorCommand.Create());
root.Subcommands.Add(EstimateCommand.Create());

// Ctrl-C cancels the command's token; teardown (containers, dockerd, mounts) needs a few seconds to finish in order.
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(60) };
return await root.Parse(args).InvokeAsync(invocation);
