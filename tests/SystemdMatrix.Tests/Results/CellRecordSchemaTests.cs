using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using SystemdMatrix.Model;
using SystemdMatrix.Reporting;
using SystemdMatrix.Results;

namespace SystemdMatrix.Tests.Results;

public sealed class CellRecordSchemaTests
{
    private static string CommittedPath => Path.Combine(Repo.Layout.Root, ResultJson.SchemaPath);

    // Loaded once: the library registers a schema under its $id and refuses a second registration.
    private static readonly Lazy<JsonSchema> CommittedSchema = new(() => JsonSchema.FromText(File.ReadAllText(CommittedPath)));

    private static JsonSchema Committed => CommittedSchema.Value;

    private static readonly CellRecord[] Samples =
    [
        Records.Of("debian-bookworm/default/k1", Verdict.Booted("degraded", ["x.service"], ["Reached target Multi-User System."]) with { HostWrites = ["+ /sys/fs/cgroup/init.scope"] }, run: RunProfile.Default.WithCgroupMount(CgroupMount.ReadOnlyBind), aliases: ["seed#1"]),
        Records.Of("vm-trixie-v2/debian-trixie/userns-remap/k2", Verdict.Failed("cgroup-readonly", 255, ["Failed to create /init.scope"]), Records.Vm("trixie", "26.1.5+dfsg1", HostCgroupMode.V2), RunProfile.Default.WithRemedy(Remedy.ChownCgroup), hostSpec: HostSpec.Vm("trixie", HostCgroupMode.V2)),
        Records.Of("ubuntu-24.04/default/k3", Verdict.NotApplicable("image unavailable"), image: "ubuntu-24.04", systemd: null) with { Host = null },
        Records.Of("debian-bookworm/default/k4", Verdict.EngineRefused("unknown flag: --security-opt writable-cgroups"), run: RunProfile.Default.WithPrivilege(Privilege.WritableCgroups)),
    ];

    [Test]
    public void The_committed_schema_is_what_the_record_generates()
    {
        Assert.That(File.Exists(CommittedPath), Is.True, $"{ResultJson.SchemaPath} is committed");
        Assert.That(File.ReadAllText(CommittedPath), Is.EqualTo(ResultJson.Schema()), "run `dotnet cake --target=Generate` and commit the schema");
    }

    private static IEnumerable<TestCaseData> Kinds => Samples.Select(r => new TestCaseData(r).SetArgDisplayNames(r.Verdict.Kind.ToString(), r.Host is null ? "no host" : r.Host.Key));

    [TestCaseSource(nameof(Kinds))]
    public void Every_kind_of_record_is_valid_by_the_committed_schema_and_reads_back_equal(CellRecord record)
    {
        var json = JsonSerializer.Serialize(record, ResultJson.Options);

        var result = Committed.Evaluate(JsonDocument.Parse(json).RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.That(result.IsValid, Is.True, string.Join("\n", Errors(result)));
        var read = JsonSerializer.Deserialize<CellRecord>(json, ResultJson.Options)!;
        Assert.That(JsonSerializer.Serialize(read, ResultJson.Options), Is.EqualTo(json));
        Assert.That(read.Cell.Run, Is.EqualTo(record.Cell.Run));
        Assert.That(read.Host, Is.EqualTo(record.Host));
    }

    [Test]
    public void Axis_values_are_spelled_as_the_matrix_file_spells_them()
    {
        var json = JsonNode.Parse(JsonSerializer.Serialize(Samples[0], ResultJson.Options))!;

        Assert.That(json["cell"]!["run"]!.ToJsonString(), Is.EqualTo("""{"cgroupns":"default","mount":"ro","privilege":"none","tmpfs":"on","remedy":"none"}"""));
        Assert.That((string?)json["host"]!["cgroupMode"], Is.EqualTo("hybrid"));
        Assert.That((string?)json["host"]!["engineVersion"], Is.EqualTo("20.10.24+dfsg1"), "the engine version is a field of its own, not part of a key to split");
        Assert.That((string?)json["verdict"]!["kind"], Is.EqualTo("booted"));
        Assert.That((int?)json["schemaVersion"], Is.EqualTo(CellRecord.CurrentSchemaVersion));
    }

    [Test]
    public void The_schema_rejects_another_spelling_another_version_and_a_missing_part()
    {
        JsonNode Sample() => JsonNode.Parse(JsonSerializer.Serialize(Samples[0], ResultJson.Options))!;
        var respelled = Sample();
        respelled["cell"]!["run"]!["mount"] = "read-only-bind";
        var older = Sample();
        older["schemaVersion"] = 1;
        var partial = Sample();
        partial.AsObject().Remove("verdict");

        foreach (var (name, node) in new[] { ("respelled", respelled), ("older", older), ("partial", partial) })
        {
            var element = JsonDocument.Parse(node.ToJsonString()).RootElement;
            Assert.That(Committed.Evaluate(element).IsValid, Is.False, name);
            Assert.That(() => JsonSerializer.Deserialize<CellRecord>(node.ToJsonString(), ResultJson.Options) is { SchemaVersion: CellRecord.CurrentSchemaVersion } ? 0 : throw new JsonException("another version"), Throws.InstanceOf<JsonException>(), name);
        }
    }

    [Test]
    public void Every_cell_of_a_report_file_is_a_valid_record_without_its_log()
    {
        var report = new CompatibilityReport("smoke", DateTimeOffset.UnixEpoch, [new ReportImage("debian-bookworm", "t", "252", "cached", null)], Samples);

        var cells = JsonNode.Parse(report.ToJson())!["cells"]!.AsArray();

        Assert.That(cells, Has.Count.EqualTo(Samples.Length));
        foreach (var cell in cells)
        {
            Assert.That(cell!["log"], Is.Null);
            var result = Committed.Evaluate(JsonDocument.Parse(cell.ToJsonString()).RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
            Assert.That(result.IsValid, Is.True, string.Join("\n", Errors(result)));
        }
    }

    private static IEnumerable<string> Errors(EvaluationResults result) =>
        (result.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}"));
}
