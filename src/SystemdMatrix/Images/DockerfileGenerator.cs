using System.Text.RegularExpressions;

namespace SystemdMatrix.Images;

/// <summary>A file the generator produces, with its path relative to <c>images/</c>.</summary>
public sealed record GeneratedFile(string RelativePath, string Content);

/// <summary>
/// Renders each image's Dockerfile from its template and the manifest, and checks the committed files against what
/// the manifest generates (the drift check), so a hand edit or a forgotten regeneration is caught.
/// </summary>
public static partial class DockerfileGenerator
{
    public static string RegistryBase(ImageDefinition image)
    {
        var info = image.ReleaseInfo;
        // The seed report built FROM debian:buster-slim; its replica keeps the slim flavour.
        var tag = image.Template == "seed-replica" ? info.RegistryTag + "-slim" : info.RegistryTag;
        return $"{info.RegistryRepository}:{tag}";
    }

    public static string Render(ImageDefinition image, string template)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["generatedNotice"] = $"Generated from images/manifest.json ({image.Name}) and images/templates/{image.Template}.Dockerfile; do not edit. Regenerate: dotnet cake --target=Generate",
            ["registryBase"] = RegistryBase(image),
            ["packages"] = string.Join(' ', image.Packages),
            ["maskUnits"] = string.Join(' ', image.MaskUnits),
        };

        var rendered = Placeholder().Replace(template, match =>
            values.TryGetValue(match.Groups["name"].Value, out var value)
                ? value
                : throw new ManifestException($"images/templates/{image.Template}.Dockerfile: unknown placeholder {{{{{match.Groups["name"].Value}}}}}"));
        return rendered;
    }

    public static IReadOnlyList<GeneratedFile> Generate(ImageManifest manifest, string imagesRoot)
    {
        var templates = new Dictionary<string, string>(StringComparer.Ordinal);
        var files = new List<GeneratedFile>();
        foreach (var image in manifest.Images)
        {
            if (!templates.TryGetValue(image.Template, out var template))
            {
                var path = Path.Combine(imagesRoot, "templates", image.Template + ".Dockerfile");
                template = File.Exists(path)
                    ? File.ReadAllText(path)
                    : throw new ManifestException($"{manifest.SourcePath}: {image.Name}.template: images/templates/{image.Template}.Dockerfile does not exist");
                templates[image.Template] = template;
            }

            files.Add(new GeneratedFile($"{image.Folder}/Dockerfile", Render(image, template)));
        }

        return files;
    }

    /// <summary>Writes the generated files and removes generated Dockerfiles no image owns any more.</summary>
    public static IReadOnlyList<string> Write(ImageManifest manifest, string imagesRoot)
    {
        var changed = new List<string>();
        var generated = Generate(manifest, imagesRoot);
        foreach (var file in generated)
        {
            var path = Path.Combine(imagesRoot, file.RelativePath);
            if (!File.Exists(path) || File.ReadAllText(path) != file.Content)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, file.Content);
                changed.Add($"wrote images/{file.RelativePath}");
            }
        }

        foreach (var orphan in Orphans(generated, imagesRoot))
        {
            File.Delete(Path.Combine(imagesRoot, orphan));
            changed.Add($"removed images/{orphan}");
        }

        return changed;
    }

    /// <summary>Every difference between the committed Dockerfiles and what the manifest generates; empty when none.</summary>
    public static IReadOnlyList<string> Drift(ImageManifest manifest, string imagesRoot)
    {
        var problems = new List<string>();
        var generated = Generate(manifest, imagesRoot);
        foreach (var file in generated)
        {
            var path = Path.Combine(imagesRoot, file.RelativePath);
            if (!File.Exists(path))
            {
                problems.Add($"images/{file.RelativePath} is missing");
            }
            else if (File.ReadAllText(path) != file.Content)
            {
                problems.Add($"images/{file.RelativePath} differs from what images/manifest.json generates");
            }
        }

        problems.AddRange(Orphans(generated, imagesRoot).Select(o => $"images/{o} belongs to no image in the manifest"));
        return problems;
    }

    private static IEnumerable<string> Orphans(IReadOnlyList<GeneratedFile> generated, string imagesRoot)
    {
        var expected = generated.Select(f => f.RelativePath).ToHashSet(StringComparer.Ordinal);
        return Directory.EnumerateFiles(imagesRoot, "Dockerfile", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(imagesRoot, p).Replace('\\', '/'))
            .Where(p => !p.StartsWith("templates/", StringComparison.Ordinal) && !expected.Contains(p))
            .OrderBy(p => p, StringComparer.Ordinal);
    }

    [GeneratedRegex(@"\{\{(?<name>[A-Za-z]+)\}\}")]
    private static partial Regex Placeholder();
}
