using SystemdMatrix.Hosts;

namespace SystemdMatrix.Tests.Hosts;

public sealed class HostReleasesPageTests
{
    [Test]
    public void The_how_it_works_page_lists_the_host_releases_as_the_data_file_does()
    {
        var section = Repo.DocSection("docs/how-it-works.md", HostReleases.PageBegin, HostReleases.PageEnd);

        Assert.That(section, Is.EqualTo(HostReleases.ToMarkdown().TrimEnd('\n')), "replace the page's table with this");
    }
}
