using System.Text.Json;
using SystemdMatrix.Reporting;
using SystemdMatrix.Signatures;

namespace SystemdMatrix.Tests.Reporting;

public sealed class HtmlReportTests
{
    private static CompatibilityReport V2 => CommittedReports.Load(Repo.Layout).Single(r => r.Matrix == "v2");

    private static JsonElement Data(string page)
    {
        const string open = "<script id=\"data\" type=\"application/json\">";
        var from = page.IndexOf(open, StringComparison.Ordinal) + open.Length;
        var to = page.IndexOf("</script>", from, StringComparison.Ordinal);
        return JsonDocument.Parse(page[from..to]).RootElement;
    }

    [Test]
    public void The_page_carries_every_cell_and_nothing_that_reaches_the_network()
    {
        var report = V2;
        var page = HtmlReport.Render(report, SignatureCatalogue.Default);
        var data = Data(page);

        Assert.Multiple(() =>
        {
            Assert.That(data.GetProperty("cells").GetArrayLength(), Is.EqualTo(report.Cells.Count));
            Assert.That(data.GetProperty("missing").GetInt32(), Is.EqualTo(report.Missing.Count));
            Assert.That(page, Does.Contain("Content-Security-Policy\" content=\"default-src 'none'"), "the browser refuses any fetch");
            Assert.That(page, Does.Not.Contain("<link").And.Not.Contain(" src=").And.Not.Contain("@import"), "no stylesheet, script or image from anywhere");
        });
    }

    [Test]
    public void Each_host_profile_and_image_marks_its_least_privileged_booting_cells_as_the_answer_does()
    {
        var report = V2;
        var cells = Data(HtmlReport.Render(report, SignatureCatalogue.Default)).GetProperty("cells").EnumerateArray()
            .Select(c => (Id: c.GetProperty("id").GetString()!, Mark: c.TryGetProperty("mark", out var m) ? m.GetString() : null))
            .ToDictionary(c => c.Id, c => c.Mark);
        var groups = report.Cells.GroupBy(c => (c.Cell.Host.Name, c.Cell.Daemon.Name, c.Cell.Image)).ToList();

        Assert.Multiple(() =>
        {
            foreach (var group in groups)
            {
                var isolated = LeastPrivilege.Least(group, withoutHostWrites: true);
                var any = LeastPrivilege.Least(group, withoutHostWrites: false);
                Assert.That(group.Where(c => cells[c.Cell.Id] == "isolated").Select(c => c.Cell.Id), Is.EqualTo(isolated is null ? Array.Empty<string>() : [isolated.Cell.Id]), $"{group.Key}");
                Assert.That(group.Where(c => cells[c.Cell.Id] == "any").Select(c => c.Cell.Id), Is.EqualTo(any is null || any == isolated ? Array.Empty<string>() : [any.Cell.Id]), $"{group.Key}");
            }
        });
        Assert.That(cells.Values.Count(m => m == "isolated"), Is.GreaterThan(0), "some v2 configuration boots without being able to write the host's tree");
    }

    [Test]
    public void Booted_cells_carry_their_snippets_and_failed_ones_their_signature_with_its_fixes()
    {
        var data = Data(HtmlReport.Render(V2, SignatureCatalogue.Default));
        var cells = data.GetProperty("cells").EnumerateArray().ToList();
        var booted = cells.First(c => c.GetProperty("verdict").GetString() == "booted");
        var failed = cells.First(c => c.GetProperty("verdict").GetString() == "failed" && c.GetProperty("signature").GetString() == "cgroup-readonly");
        var snippet = data.GetProperty("snippets")[booted.GetProperty("snippet").GetInt32()];

        Assert.Multiple(() =>
        {
            Assert.That(snippet.GetProperty("run").GetString(), Does.StartWith("docker run -it "));
            Assert.That(snippet.GetProperty("compose").GetString(), Does.StartWith("services:\n  systemd:\n"));
            Assert.That(failed.TryGetProperty("snippet", out _), Is.False, "no snippet for what does not boot");
            var signature = data.GetProperty("signatures").GetProperty("cgroup-readonly");
            Assert.That(signature.GetProperty("fixes").GetArrayLength(), Is.EqualTo(SignatureCatalogue.Default.Find("cgroup-readonly")!.Fixes.Count));
            Assert.That(signature.GetProperty("fixes").EnumerateArray().Any(f => f.GetProperty("proof").GetArrayLength() > 0), Is.True, "a fix names the cells that prove it");
        });
    }
}
