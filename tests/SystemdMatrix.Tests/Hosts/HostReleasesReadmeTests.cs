using SystemdMatrix.Hosts;

namespace SystemdMatrix.Tests.Hosts;

public sealed class HostReleasesReadmeTests
{
    [Test]
    public void The_readme_lists_the_host_releases_as_the_data_file_does()
    {
        var section = Repo.ReadmeSection(HostReleases.ReadmeBegin, HostReleases.ReadmeEnd);

        Assert.That(section, Is.EqualTo(HostReleases.ToMarkdown().TrimEnd('\n')), "replace the README's table with this");
    }
}
