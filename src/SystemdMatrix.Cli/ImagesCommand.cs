using System.CommandLine;
using Spectre.Console;
using SystemdMatrix.Images;
using SystemdMatrix.Runs;

namespace SystemdMatrix.Cli;

/// <summary><c>images</c>: build (or find in the cache) the manifest's images; generate and check their Dockerfiles.</summary>
internal static class ImagesCommand
{
    public static Command Create()
    {
        var command = new Command("images", "The image side: build images from images/manifest.json, generate or check Dockerfiles.");
        command.Subcommands.Add(Build());
        command.Subcommands.Add(Generate());
        command.Subcommands.Add(Check());
        return command;
    }

    private static Command Build()
    {
        var names = new Option<string[]>("--image") { Description = "Only these images (default: all in the manifest).", AllowMultipleArgumentsPerToken = true };
        var source = new Option<string?>("--source") { Description = "Override every image's base source: auto, registry or bootstrap." };
        var command = new Command("build", "Build the manifest's images into the cache (or find them there) and list each with its systemd version, source and state.") { names, source };
        command.SetAction((result, ct) => Out.Guard(async () =>
        {
            var layout = CliOptions.Layout(result);
            var manifest = ImageManifest.Load(layout.Manifest);
            var wanted = result.GetValue(names) is { Length: > 0 } list ? list.Select(manifest.Find).ToList() : manifest.Images.ToList();
            BaseSource? sourceOverride = result.GetValue(source) is { } s
                ? Enum.TryParse<BaseSource>(s, ignoreCase: true, out var parsed) ? parsed : throw new ManifestException($"--source: unknown base source '{s}' (known: auto, registry, bootstrap)")
                : null;

            var drift = DockerfileGenerator.Drift(manifest, layout.ImagesRoot);
            if (drift.Count > 0)
            {
                throw new ManifestException("The committed Dockerfiles do not match images/manifest.json; run `dotnet cake --target=Generate`:\n" + string.Join('\n', drift));
            }

            var statuses = await ImageSet.EnsureAsync(layout, manifest, wanted, new ImageCache(ImageCache.DefaultRoot), Out.Log, ct, sourceOverride);
            var table = new Table().AddColumns("image", "tag", "systemd", "source", "state");
            foreach (var status in statuses)
            {
                table.AddRow(
                    Markup.Escape(status.Image.Name),
                    Markup.Escape(status.Image.Tag),
                    status.Facts?.SystemdVersion ?? "-",
                    status.Facts?.BaseSource ?? "-",
                    Markup.Escape(status.State == ImageState.Unavailable ? $"unavailable: {status.Reason}" : status.State.ToString().ToLowerInvariant()));
            }

            AnsiConsole.Write(table);
            return 0;
        }));
        return command;
    }

    private static Command Generate()
    {
        var command = new Command("generate", "Write images/<distro>/<release>[-<variant>]/Dockerfile for every manifest image (and remove ones no image owns).");
        command.SetAction(result => Out.Guard(() =>
        {
            var layout = CliOptions.Layout(result);
            var changes = DockerfileGenerator.Write(ImageManifest.Load(layout.Manifest), layout.ImagesRoot);
            foreach (var change in changes)
            {
                Out.Log(change);
            }

            Out.Log(changes.Count == 0 ? "Dockerfiles are up to date" : $"{changes.Count} files changed");
            return Task.FromResult(0);
        }));
        return command;
    }

    private static Command Check()
    {
        var command = new Command("check", "Fail when a committed Dockerfile differs from what images/manifest.json generates.");
        command.SetAction(result => Out.Guard(() =>
        {
            var layout = CliOptions.Layout(result);
            var drift = DockerfileGenerator.Drift(ImageManifest.Load(layout.Manifest), layout.ImagesRoot);
            foreach (var problem in drift)
            {
                Out.Error(problem);
            }

            if (drift.Count > 0)
            {
                Out.Error("run `dotnet cake --target=Generate` and commit the result");
                return Task.FromResult(1);
            }

            Out.Log("Dockerfiles match images/manifest.json");
            return Task.FromResult(0);
        }));
        return command;
    }
}
