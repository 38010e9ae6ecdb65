using System.CommandLine;
using SystemdMatrix.Snapshots;

namespace SystemdMatrix.Cli;

/// <summary><c>snapshots approve</c>: accept the received boot snapshots the last test run left for review.</summary>
internal static class SnapshotsCommand
{
    public static Command Create()
    {
        var command = new Command("snapshots", "Approved boot snapshots under fixtures/snapshots/.");
        var approve = new Command("approve", "Move every *.received.txt over its approved snapshot (review them first: git diff shows what changed).");
        approve.SetAction(result => Out.Guard(() =>
        {
            var approved = new SnapshotStore(CliOptions.Layout(result).Fixtures).ApproveAll();
            foreach (var path in approved)
            {
                Out.Log($"approved {path}");
            }

            Out.Log(approved.Count == 0 ? "nothing to approve (no *.received.txt)" : $"approved {approved.Count} snapshots; review with git diff, then commit");
            return Task.FromResult(0);
        }));
        command.Subcommands.Add(approve);
        return command;
    }
}
