using System.CommandLine;
using SystemdMatrix.Engines;
using SystemdMatrix.Images;

namespace SystemdMatrix.Cli;

/// <summary><c>reap</c>: remove what crashed or interrupted runs left behind. Every run also does this first.</summary>
internal static class ReapCommand
{
    public static Command Create()
    {
        var command = new Command("reap", "Tear down sandbox engines and VMs (with their containers, mounts, network namespaces and folders) whose run is gone, unfinished cache files, and the cgroups containers of such runs left in this machine's tree.");
        command.SetAction((_, ct) => Out.Guard(async () =>
        {
            var reaped = await Runs.Leftovers.ReapAsync(new ImageCache(ImageCache.DefaultRoot), ct);
            foreach (var line in reaped)
            {
                Out.Log(line);
            }

            Out.Log(reaped.Count == 0 ? "nothing to reap" : $"reaped {reaped.Count} leftovers");
            return 0;
        }));
        return command;
    }
}
