using SystemdMatrix.Model;
using SystemdMatrix.Reporting;
using SystemdMatrix.Results;
using SystemdMatrix.Tests.Results;

namespace SystemdMatrix.Tests.Reporting;

public sealed class CompatibilityReportTests
{
    private static readonly CompatibilityReport Report = new(
        "smoke",
        DateTimeOffset.Parse("2026-12-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture),
        [new ReportImage("debian-bookworm", "t", "252", "cached", null), new ReportImage("ubuntu-24.04", "u", null, "unavailable", "no registry")],
        [
            Records.Of("debian-bookworm/default/k1", Verdict.Booted("running", [], ["Reached"]), run: RunProfile.Default.WithCgroupMount(CgroupMount.ReadOnlyBind), aliases: ["seed#1"]),
            Records.Of("debian-bookworm/default/k2", Verdict.Failed("cgroup-readonly", 255, ["Failed to create /docker/<id>/init.scope | x"]), run: RunProfile.Default.WithCgroupns(CgroupnsMode.Private)),
            Records.Of("ubuntu-24.04/default/k1", Verdict.NotApplicable("image unavailable"), image: "ubuntu-24.04", systemd: null) with { Host = null },
        ]);

    private static readonly string SandboxX = Records.Sandbox().Describe();

    [Test]
    public void Pivot_has_one_row_per_run_profile_and_one_column_per_image()
    {
        var md = Report.ToPivotMarkdown();

        Assert.That(md, Does.Contain($"#### daemon profile `default`: {SandboxX}"));
        Assert.That(md, Does.Contain("| cgroupns | /sys/fs/cgroup | privilege | tmpfs | debian-bookworm (252) |"));
        Assert.That(md, Does.Contain("| default | `:ro` bind | none | on (seed#1) | **booted** |"));
        Assert.That(md, Does.Contain("| private | not mounted | none | on | `cgroup-readonly` |"));
        Assert.That(md, Does.Contain("- ubuntu-24.04: no registry"));
        Assert.That(md, Does.Contain("3 cells: 1 booted, 1 failed, 1 not-applicable."));
    }

    [Test]
    public void A_section_where_nothing_applies_is_one_line_with_the_reason()
    {
        var rows = Enumerable.Range(0, 3).Select(i => Records.Of(
            $"img/systemd/k{i}", Verdict.NotApplicable("needs systemd"), run: RunProfile.Default.WithTmpfs(i % 2 == 0), image: "img", daemon: "systemd")).ToList();

        var md = (Report with { Cells = rows }).ToPivotMarkdown();

        Assert.That(md, Does.Contain($"#### daemon profile `systemd`: {SandboxX}\n\nAll 3 cells not applicable: needs systemd (3 cells)."));
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
    public void A_marked_section_is_replaced_between_its_own_markers_only()
    {
        var (v2Begin, v2End) = (CommittedReports.AnswerBegin("v2"), CommittedReports.AnswerEnd("v2"));
        var (otherBegin, otherEnd) = (CommittedReports.AnswerBegin("other"), CommittedReports.AnswerEnd("other"));
        var readme = $"# T\n\n{v2Begin}\nold\n{v2End}\n\n{otherBegin}\nkeep\n{otherEnd}\n";

        var updated = MarkedSection.Replace(readme, v2Begin, v2End, "new table\n");

        Assert.That(updated, Is.EqualTo($"# T\n\n{v2Begin}\nnew table\n{v2End}\n\n{otherBegin}\nkeep\n{otherEnd}\n"));
        Assert.Throws<InvalidDataException>(() => MarkedSection.Replace("no markers", v2Begin, v2End, "x"));
    }

    [Test]
    public void A_report_over_several_hosts_has_one_column_per_host()
    {
        CellRecord Row(string release, HostCgroupMode mode, string engine, Verdict verdict)
        {
            var spec = HostSpec.Vm(release, mode);
            return Records.Of($"{spec.Name}/img/default/k", verdict, Records.Vm(release, engine, mode), RunProfile.Default.WithCgroupMount(CgroupMount.ReadOnlyBind), ["seed#1"], "img", hostSpec: spec);
        }

        var report = Report with
        {
            Images = [new ReportImage("img", "t", "252", "cached", null)],
            Cells =
            [
                Row("forky", HostCgroupMode.V1, "28.5.2", Verdict.NotApplicable("systemd 258 removed cgroup v1")),
                Row("bullseye", HostCgroupMode.V2, "20.10.5+dfsg1", Verdict.Failed("cgroup-readonly", 255, ["Failed"])),
                Row("bullseye", HostCgroupMode.Hybrid, "20.10.5+dfsg1", Verdict.Booted("running", [], ["Reached"])),
            ],
        };

        var md = report.ToPivotMarkdown();

        Assert.That(md, Does.Contain("#### img (systemd 252), daemon profile `default`"));
        Assert.That(md, Does.Contain("| bullseye-hybrid (Docker 20.10.5) | bullseye-v2 (Docker 20.10.5) | forky-v1 |"));
        Assert.That(md, Does.Contain("| default | `:ro` bind | none | on (seed#1) | **booted** | `cgroup-readonly` | n/a |"));
        Assert.That(md, Does.Contain("- vm-forky-v1: systemd 258 removed cgroup v1"));
    }
}
