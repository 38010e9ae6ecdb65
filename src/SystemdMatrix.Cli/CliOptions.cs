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

    public static RepositoryLayout Layout(ParseResult result) => RepositoryLayout.Discover(result.GetValue(Root));
}
