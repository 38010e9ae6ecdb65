using System.CommandLine;
using SystemdMatrix.Engines;
using SystemdMatrix.Images;

namespace SystemdMatrix.Cli;

/// <summary><c>reap</c>: remove what crashed or interrupted runs left behind. Every run also does this first.</summary>
internal static class ReapCommand
{
    public static Command Create()
    {
        var command = new Command("reap", "Tear down sandbox engines and VMs (with their containers, mounts, network namespaces and folders) whose run is gone, and unfinished cache files.");
        command.SetAction((_, ct) => Out.Guard(async () =>
        {
            var reaped = (await EngineReaper.ReapAsync(cancellationToken: ct)).Concat(await Hosts.VmReaper.ReapAsync(ct)).ToList();
            foreach (var engine in reaped)
            {
                Out.Log(EngineReaper.Describe(engine));
            }

            var scratch = new ImageCache(ImageCache.DefaultRoot).ReapScratch();
            foreach (var file in scratch)
            {
                Out.Log($"removed leftover {file}");
            }

            Out.Log(reaped.Count + scratch.Count == 0 ? "nothing to reap" : $"reaped {reaped.Count} engines and {scratch.Count} cache leftovers");
            return 0;
        }));
        return command;
    }
}
