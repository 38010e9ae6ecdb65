using System.CommandLine;
using System.Text.Json;
using SystemdMatrix.Doctor;
using SystemdMatrix.Images;
using SystemdMatrix.Local;
using SystemdMatrix.Results;

namespace SystemdMatrix.Cli;

/// <summary><c>doctor</c>: which configuration boots this image on your own engine, found by booting it.</summary>
internal static class DoctorCommand
{
    public static Command Create()
    {
        var image = new Option<string?>("--image") { Description = $"Your own image, already on the engine (default: the matrix's {DoctorOptions.DefaultImage}, loaded from the cache or built)." };
        var engine = CliOptions.Engine();
        var json = new Option<bool>("--json") { Description = "The same as a JSON document." };
        var allowHostWrites = new Option<bool>(Isolation.HostWriteClassifier.OptIn)
        {
            Description = "Also try the configurations that can write your host's cgroup tree (rw binds, SYS_ADMIN, --privileged, host cgroupns without a bind). For hosts you can throw away.",
        };
        var command = new Command("doctor", "Read your engine (DOCKER_HOST, --engine or /var/run/docker.sock), say which published host class it is, boot the image with configurations from least to most privileged, stop at the first that boots and print its docker run line and Compose snippet, with what stopped each weaker one.") { image, engine, json, allowHostWrites };
        command.SetAction((result, ct) => Out.Guard(async () =>
        {
            var layout = CliOptions.Layout(result);
            var data = Data.ProjectData.Load(layout);
            var options = new DoctorOptions(LocalEngineAddress.Resolve(result.GetValue(engine)))
            {
                Image = result.GetValue(image),
                AllowHostWrites = result.GetValue(allowHostWrites),
            };
            var asJson = result.GetValue(json);
            Action<string> log = asJson ? message => Console.Error.WriteLine(message) : Out.Log;
            var report = await DoctorRun.RunAsync(layout, data, new ImageCache(ImageCache.DefaultRoot), options, log, ct);
            Console.WriteLine(asJson ? JsonSerializer.Serialize(DoctorText.Document(report), ResultJson.Options) : DoctorText.Render(report));
            return report.Working is null ? 1 : 0;
        }));
        return command;
    }
}
