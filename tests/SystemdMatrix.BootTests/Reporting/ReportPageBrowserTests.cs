using PuppeteerSharp;
using SystemdMatrix.Engines;
using SystemdMatrix.Model;
using SystemdMatrix.Reporting;
using SystemdMatrix.Snippets;

namespace SystemdMatrix.BootTests.Reporting;

/// <summary>
/// The committed v2 page in a real browser: Debian's Chromium driven by PuppeteerSharp (nothing downloaded). It
/// filters, opens the answer's cell, checks what the detail view shows against the results it was rendered from,
/// and keeps a screenshot with the test results.
/// </summary>
public sealed class ReportPageBrowserTests
{
    /// <summary>Chromium as root in a closed network: no sandbox, and none of its background connections.</summary>
    private static readonly string[] ChromiumArguments =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
    ];

    [Test]
    [CancelAfter(180_000)]
    public async Task The_committed_v2_page_filters_opens_the_answers_cell_and_shows_its_proven_configuration(CancellationToken cancellationToken)
    {
        var chromium = Prerequisites.Chromium;
        Assert.That(Prerequisites.Missing([chromium]), Is.Empty, $"{chromium.Program} is missing: {Prerequisites.Describe([chromium])}");

        var report = CommittedReports.Load(BootEnvironment.Layout).Single(r => r.Matrix == "v2");
        var pagePath = Path.Combine(BootEnvironment.Layout.Root, CommittedReports.Folder, "v2.html");
        var host = report.Cells.Where(c => c.Cell.Host.CgroupMode == HostCgroupMode.V2).Select(c => c.Cell.Host.Name).Order(StringComparer.Ordinal).Last();
        var hostCells = report.Cells.Where(c => c.Cell.Host.Name == host).ToList();
        var answer = hostCells.Where(c => c.Cell.Daemon.Name == "default").GroupBy(c => c.Cell.Image)
            .Select(g => LeastPrivilege.Least(g, withoutHostWrites: true) ?? LeastPrivilege.Least(g, withoutHostWrites: false))
            .OfType<Results.CellRecord>().First();

        var profile = Directory.CreateTempSubdirectory("systemd-matrix-chromium-");
        var requests = new List<string>();
        try
        {
            await using var browser = await Puppeteer.LaunchAsync(new LaunchOptions
            {
                ExecutablePath = "/usr/bin/chromium",
                Headless = true,
                Args = ChromiumArguments,
                UserDataDir = profile.FullName,
                DefaultViewport = new ViewPortOptions { Width = 1600, Height = 1000 },
            });
            await using var page = await browser.NewPageAsync();
            page.Request += (_, e) => requests.Add(e.Request.Url);
            await page.GoToAsync(new Uri(pagePath).AbsoluteUri, WaitUntilNavigation.Load);

            var all = await page.EvaluateExpressionAsync<int>("document.querySelectorAll('td.cell').length");
            Assert.That(all, Is.EqualTo(report.Cells.Count), "unfiltered, the grid has a square per cell");

            await page.SelectAsync("#filter-host", host);
            await page.SelectAsync("#filter-privilege", AxisNames.Of(answer.Cell.Run.Privilege));
            var shown = await page.EvaluateExpressionAsync<string[]>("[...document.querySelectorAll('td.cell')].map(td => td.dataset.id)");
            var expected = hostCells.Where(c => c.Cell.Run.Privilege == answer.Cell.Run.Privilege).Select(c => c.Cell.Id);
            Assert.That(shown, Is.EquivalentTo(expected), $"host {host} and privilege {AxisNames.Of(answer.Cell.Run.Privilege)} leave exactly their cells");

            await page.ClickAsync($"td[data-id=\"{answer.Cell.Id}\"]");
            await page.WaitForSelectorAsync("#detail-id");
            var detail = await page.EvaluateExpressionAsync<Dictionary<string, string>>(
                "({ id: document.querySelector('#detail-id').textContent, verdict: document.querySelector('#detail-verdict').dataset.verdict, "
                + "mark: document.querySelector('#detail-mark')?.textContent ?? '', run: document.querySelector('#snippet-run')?.textContent ?? '', "
                + "compose: document.querySelector('#snippet-compose')?.textContent ?? '', selected: document.querySelector('td.selected')?.dataset.id ?? '' })");
            var snippets = ConfigurationSnippets.For(answer.Image.Tag!, answer.Cell.Run, answer.Cell.Daemon);

            Directory.CreateDirectory(TestResults);
            var screenshot = Path.Combine(TestResults, "report-page-v2.png");
            await page.ScreenshotAsync(screenshot, new ScreenshotOptions { FullPage = false });
            TestContext.AddTestAttachment(screenshot, "the v2 report page, filtered, with the answer's cell open");
            BootEnvironment.Log($"screenshot of the report page: {screenshot}");

            Assert.Multiple(() =>
            {
                Assert.That(detail["id"], Is.EqualTo(answer.Cell.Id));
                Assert.That(detail["selected"], Is.EqualTo(answer.Cell.Id), "the grid marks the open cell");
                Assert.That(detail["verdict"], Is.EqualTo("booted"));
                Assert.That(detail["mark"], Does.Contain("least-privileged"));
                Assert.That(detail["run"], Is.EqualTo(snippets.DockerRun), "the page's docker run line is the cell's");
                Assert.That(detail["compose"], Is.EqualTo(snippets.Compose));
            });

            // A failed cell of the same host shows its signature and the fixes with the cells that prove them.
            var failed = hostCells.First(c => c.Verdict.Kind == VerdictKind.Failed && c.Verdict.Signature == "cgroup-readonly");
            await page.EvaluateExpressionAsync("document.querySelector('#filter-privilege').value = ''; document.querySelector('#filter-privilege').dispatchEvent(new Event('change'))");
            await page.ClickAsync($"td[data-id=\"{failed.Cell.Id}\"]");
            var fixes = await page.EvaluateExpressionAsync<int>("document.querySelectorAll('#detail-fixes > li').length");
            var explanation = await page.EvaluateExpressionAsync<string>("document.querySelector('#detail-explanation').textContent");
            Assert.That(fixes, Is.EqualTo(BootEnvironment.Data.Signatures.Find("cgroup-readonly")!.Fixes.Count));
            Assert.That(explanation, Is.EqualTo(BootEnvironment.Data.Signatures.Find("cgroup-readonly")!.Explanation));
        }
        finally
        {
            profile.Delete(recursive: true);
        }

        Assert.That(requests.Where(r => !r.StartsWith("file://", StringComparison.Ordinal)), Is.Empty, "the page asks the network for nothing");
    }

    private static string TestResults => Path.Combine(BootEnvironment.Layout.Artifacts, "test-results");
}
