using System.CommandLine;
using SystemdMatrix.Runs;

namespace SystemdMatrix.Cli;

/// <summary>Options shared by several verbs.</summary>
internal static class CliOptions
{
    public static readonly Option<string?> Root = new("--root")
    {
        Description = "The SystemdMatrix checkout (default: found from the current folder).",
        Recursive = true,
    };

    public static readonly Option<string?> Artifacts = new("--artifacts")
    {
        Description = "Where to write tables and per-cell results (default: artifacts/ in the checkout).",
        Recursive = true,
    };

    /// <summary>The local engine's socket, for the verbs that use one.</summary>
    public static Option<string?> Engine() => new("--engine")
    {
        Description = "The local engine's socket, unix:///path (default: DOCKER_HOST, else /var/run/docker.sock).",
    };

    public static RepositoryLayout Layout(ParseResult result)
    {
        var layout = RepositoryLayout.Discover(result.GetValue(Root));
        return result.GetValue(Artifacts) is { } artifacts ? layout with { Artifacts = Path.GetFullPath(artifacts) } : layout;
    }
}
