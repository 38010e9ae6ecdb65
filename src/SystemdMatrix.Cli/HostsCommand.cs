using System.CommandLine;
using Spectre.Console;
using SystemdMatrix.Hosts;
using SystemdMatrix.Images;
using SystemdMatrix.Model;
using SystemdMatrix.Runs;

namespace SystemdMatrix.Cli;

/// <summary><c>hosts</c>: the VM hosts. Build their images; boot one to see what it is.</summary>
internal static class HostsCommand
{
    public static Command Create()
    {
        var command = new Command("hosts", "VM hosts: Debian releases with their own docker.io, booted in a chosen cgroup mode.");
        command.Subcommands.Add(Build());
        command.Subcommands.Add(Boot(up: false));
        command.Subcommands.Add(Boot(up: true));
        return command;
    }

    private static Option<string[]> Releases() => new("--release")
    {
        Description = $"Only these Debian releases (default: all of {string.Join(", ", HostReleases.All.Select(r => r.Release))}).",
        AllowMultipleArgumentsPerToken = true,
    };

    private static Command Build()
    {
        var releases = Releases();
        var command = new Command("build", "Build (or find in the cache) the host image of each release, with the test images preloaded.") { releases };
        command.SetAction((result, ct) => Out.Guard(async () =>
        {
            var wanted = result.GetValue(releases) is { Length: > 0 } names ? names.Select(HostReleases.Find).ToList() : HostReleases.All.ToList();
            var built = await HostSet.EnsureAsync(CliOptions.Layout(result), wanted, new ImageCache(ImageCache.DefaultRoot), Out.Log, ct);
            var table = new Table().AddColumns("release", "docker.io", "systemd", "kernel", "preloaded images", "state");
            foreach (var (release, image, cached) in built)
            {
                table.AddRow(release.Release, image.Facts.DockerVersion, image.Facts.SystemdVersion, image.Facts.KernelVersion, image.Facts.Preloaded.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), cached ? "cached" : "built");
            }

            AnsiConsole.Write(table);
            return 0;
        }));
        return command;
    }

    /// <summary><c>hosts boot</c> measures a host and shuts it down (<c>--keep-up</c> keeps it); <c>hosts up</c> always keeps it up.</summary>
    private static Command Boot(bool up)
    {
        var release = new Option<string>("--release") { Description = "The Debian release of the host.", DefaultValueFactory = _ => up ? "forky" : "bullseye" };
        var mode = new Option<string>("--cgroup") { Description = "The host's cgroup mode: v1, hybrid or v2.", DefaultValueFactory = _ => "v2" };
        var profile = new Option<string>("--profile") { Description = "The daemon profile from matrix/matrices.json.", DefaultValueFactory = _ => "default" };
        var analyze = new Option<bool>("--analyze") { Description = "Also print where the guest's boot time went (systemd-analyze time, critical chain to docker.service, slowest units)." };
        var keepUp = new Option<bool>("--keep-up") { Description = "Keep the VM up until Ctrl-C, and print the DOCKER_HOST of its owner-only socket to try things on it." };
        var command = up
            ? new Command("up", "Boot one host VM (default: Debian forky, Docker 28, cgroup v2), print the DOCKER_HOST of its owner-only socket and keep it up until Ctrl-C, then remove it like a run does: a real host to try an image and flags on.") { release, mode, profile, analyze, keepUp }
            : new Command("boot", "Boot one host VM, report what it measured (engine, cgroup mode, driver, accelerator, boot time), and shut it down.") { release, mode, profile, analyze, keepUp };
        command.SetAction((result, ct) => Out.Guard(async () =>
        {
            var layout = CliOptions.Layout(result);
            var hostRelease = HostReleases.Find(result.GetValue(release)!);
            var cgroup = AxisNames.TryParse<HostCgroupMode>(result.GetValue(mode)!, out var m) ? m : throw new Matrix.MatrixException($"--cgroup: unknown mode '{result.GetValue(mode)}' (known: v1, hybrid, v2)");
            var daemon = Matrix.MatrixDefinition.Load(layout.Matrices).Daemons.TryGetValue(result.GetValue(profile)!, out var d) ? d : throw new Matrix.MatrixException($"--profile: unknown daemon profile '{result.GetValue(profile)}'");
            var cache = new ImageCache(ImageCache.DefaultRoot);
            var (_, image, _) = (await HostSet.EnsureAsync(layout, [hostRelease], cache, Out.Log, ct))[0];
            var watch = System.Diagnostics.Stopwatch.StartNew();
            await using (var vm = await VmEngine.StartAsync(new VmOptions(hostRelease, cgroup, daemon, image, up ? "hosts up" : "hosts boot") { Snapshots = up ? VmSnapshots.IfEnabled(cache) : null }, Out.Log, ct))
            {
                Out.Log($"{vm.Identity.Describe()}; kernel {vm.Identity.KernelVersion}; {vm.Identity.Accelerator}; ready after {watch.Elapsed.TotalSeconds:0.0} s");
                if (result.GetValue(analyze))
                {
                    Console.WriteLine(await vm.AnalyzeBootAsync(ct));
                }

                if (up || result.GetValue(keepUp))
                {
                    Out.Log($"DOCKER_HOST={vm.Endpoint.SocketUri} (owner-only socket); keeping the VM up until Ctrl-C");
                    await Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
                }

                Out.Log("shutting down");
                watch.Restart();
            }

            Out.Log($"VM shut down and removed in {watch.Elapsed.TotalSeconds:0.0} s");
            return 0;
        }));
        return command;
    }
}
