using SystemdMatrix.Runs;

namespace SystemdMatrix.Tests;

/// <summary>The checkout the tests run from, so they can read the real manifest, matrices and fixtures.</summary>
internal static class Repo
{
    public static RepositoryLayout Layout { get; } = RepositoryLayout.Discover(TestContext.CurrentContext.TestDirectory);

    public static string LogFile(string name) => Path.Combine(TestContext.CurrentContext.TestDirectory, "Logs", name);
}
