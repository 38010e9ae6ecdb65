using SystemdMatrix.Runs;

namespace SystemdMatrix.Tests;

/// <summary>The checkout the tests run from, so they can read the real manifest, matrices and fixtures.</summary>
internal static class Repo
{
    public static RepositoryLayout Layout { get; } = RepositoryLayout.Discover(TestContext.CurrentContext.TestDirectory);

    /// <summary>A documentation file's text between two markers (the markers must be there, in order).</summary>
    public static string DocSection(string file, string begin, string end)
    {
        var readme = File.ReadAllText(Path.Combine(Layout.Root, file));
        var from = readme.IndexOf(begin, StringComparison.Ordinal);
        var to = readme.IndexOf(end, StringComparison.Ordinal);
        Assert.That(from >= 0 && to > from, Is.True, $"{file} has the markers {begin} ... {end}");
        return readme[(from + begin.Length)..to].Trim('\n');
    }

    public static string LogFile(string name) => Path.Combine(TestContext.CurrentContext.TestDirectory, "Logs", name);
}
