using SystemdMatrix.Model;
using SystemdMatrix.Reporting;

namespace SystemdMatrix.Tests.Reporting;

public sealed class CompatibilityReportTests
{
    private static readonly CompatibilityReport Report = new(
        "smoke",
        DateTimeOffset.Parse("2026-12-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture),
        [new ReportImage("debian-bookworm", "t", "252", "cached", null), new ReportImage("ubuntu-24.04", "u", null, "unavailable", "no registry")],
        [
            new ReportRow("debian-bookworm/default/k1", RunProfile.Default.WithCgroupMount(CgroupMount.ReadOnlyBind), ["seed#1"], "debian-bookworm", "252", "sandbox X", "hk", "default", "-v a:b:ro", "docker run", Verdict.Booted("running", [], ["Reached"]), 0.7, 1),
            new ReportRow("debian-bookworm/default/k2", RunProfile.Default.WithCgroupns(CgroupnsMode.Private), [], "debian-bookworm", "252", "sandbox X", "hk", "default", "--cgroupns=private", "docker run", Verdict.Failed("cgroup-readonly", 255, ["Failed to create /docker/<id>/init.scope | x"]), 0.3, 1),
            new ReportRow("ubuntu-24.04/default/k1", RunProfile.Default, [], "ubuntu-24.04", null, "any host", "any", "default", "", "", Verdict.NotApplicable("image unavailable"), 0, 0),
        ]);

    [Test]
    public void Pivot_has_one_row_per_run_profile_and_one_column_per_image()
    {
        var md = Report.ToPivotMarkdown();

        Assert.That(md, Does.Contain("#### daemon profile `default`: sandbox X"));
        Assert.That(md, Does.Contain("| cgroupns | /sys/fs/cgroup | privilege | tmpfs | debian-bookworm (252) |"));
        Assert.That(md, Does.Contain("| default | `:ro` bind | none | on (seed#1) | **booted** |"));
        Assert.That(md, Does.Contain("| private | not mounted | none | on | `cgroup-readonly` |"));
        Assert.That(md, Does.Contain("- ubuntu-24.04: no registry"));
        Assert.That(md, Does.Contain("3 cells: 1 booted, 1 failed, 1 not-applicable."));
    }

    [Test]
    public void A_section_where_nothing_applies_is_one_line_with_the_reason()
    {
        var rows = Enumerable.Range(0, 3).Select(i => new ReportRow(
            $"img/systemd/k{i}", RunProfile.Default.WithTmpfs(i % 2 == 0), [], "img", "252", "sandbox Y", "hk2", "systemd", "f", "e", Verdict.NotApplicable("needs systemd"), 0, 0)).ToList();

        var md = (Report with { Rows = rows }).ToPivotMarkdown();

        Assert.That(md, Does.Contain("#### daemon profile `systemd`: sandbox Y\n\nAll 3 cells not applicable: needs systemd (3 cells)."));
        Assert.That(md, Does.Not.Contain("| cgroupns |"));
    }

    [Test]
    public void Detailed_table_escapes_pipes_and_placeholders()
    {
        var md = Report.ToMarkdown(includeTimes: false);

        Assert.That(md, Does.Contain("Failed to create /docker/&lt;id&gt;/init.scope \\| x"));
        Assert.That(md, Does.Not.Contain("generated 2026"));
    }

    [Test]
    public void Json_round_trips_the_verdicts()
    {
        var json = Report.ToJson();

        Assert.That(json, Does.Contain("\"kind\": \"engine-refused\"").Or.Contain("\"kind\": \"booted\""));
        Assert.That(json, Does.Contain("\"signature\": \"cgroup-readonly\""));
    }

    [Test]
    public void Readme_table_is_replaced_between_markers_only()
    {
        var readme = $"# T\n\n{ReadmeTable.Begin}\nold\n{ReadmeTable.End}\n\ntail\n";

        var updated = ReadmeTable.Replace(readme, "new table\n");

        Assert.That(updated, Is.EqualTo($"# T\n\n{ReadmeTable.Begin}\nnew table\n{ReadmeTable.End}\n\ntail\n"));
        Assert.Throws<InvalidDataException>(() => ReadmeTable.Replace("no markers", "x"));
    }
}
