using SystemdMatrix.Matrix;
using SystemdMatrix.Model;

namespace SystemdMatrix.Tests.Matrix;

public sealed class ApplicabilityRuleTests
{
    private static HostIdentity Host(string engine, HostCgroupMode mode = HostCgroupMode.V2) =>
        new(HostKind.Sandbox, engine, mode, CgroupDriver.Cgroupfs, UsernsRemap: false, "6.1");

    private static Cell Cell(CgroupMount mount) => new("img", DaemonProfile.Default, RunProfile.Default.WithCgroupMount(mount), []);

    [TestCase("20.10.24+dfsg1", "20.10.24")]
    [TestCase("28.5.2", "28.5.2")]
    [TestCase("26", "26.0")]
    [TestCase("garbage", "0.0")]
    public void Engine_versions_are_read_from_their_numeric_prefix(string engine, string expected)
    {
        Assert.That(ApplicabilityRule.EngineVersionOf(engine), Is.EqualTo(Version.Parse(expected)));
    }

    [Test]
    public void The_repositorys_bind_recursive_rule_applies_below_docker_25_only()
    {
        var definition = MatrixDefinition.Load(Repo.Layout.Matrices);

        Assert.That(definition.NotApplicable(Cell(CgroupMount.RecursiveWritableBind), Host("20.10.24+dfsg1"))?.Message, Does.Contain("Docker 25"));
        Assert.That(definition.NotApplicable(Cell(CgroupMount.RecursiveWritableBind), Host("26.1.5")), Is.Null);
        Assert.That(definition.NotApplicable(Cell(CgroupMount.ReadOnlyBind), Host("20.10.24")), Is.Null);
    }

    [Test]
    public void All_conditions_of_a_rule_must_hold()
    {
        var rule = new ApplicabilityRule("r", "because", Cgroupns: null, Mounts: [CgroupMount.ReadWriteBind], Privileges: null, Remedies: null, Drivers: null, UsernsRemap: null, HostCgroupModes: [HostCgroupMode.V1], EngineBelow: null, EngineAtLeast: null);

        Assert.That(rule.Matches(Cell(CgroupMount.ReadWriteBind), Host("20.10", HostCgroupMode.V1)), Is.True);
        Assert.That(rule.Matches(Cell(CgroupMount.ReadWriteBind), Host("20.10", HostCgroupMode.V2)), Is.False);
        Assert.That(rule.Matches(Cell(CgroupMount.ReadOnlyBind), Host("20.10", HostCgroupMode.V1)), Is.False);
    }

    [Test]
    public void A_rule_without_reason_or_conditions_is_rejected()
    {
        const string json = """
            { "daemons": { "default": {} }, "matrices": {}, "rules": [ { "id": "x", "when": {} } ] }
            """;

        var ex = Assert.Throws<MatrixException>(() => MatrixDefinition.Parse(json, "m.json"));

        Assert.That(ex!.Message, Does.Contain("m.json: rules[0].reason is missing"));
        Assert.That(ex.Message, Does.Contain("m.json: rules[0].when is empty"));
    }

    [Test]
    public void Every_cell_of_every_matrix_is_either_runnable_or_not_applicable_with_a_reason()
    {
        var definition = MatrixDefinition.Load(Repo.Layout.Matrices);
        var host = Host("20.10.24+dfsg1", HostCgroupMode.Hybrid);

        foreach (var cell in definition.Matrices.Values.SelectMany(definition.Expand))
        {
            var verdict = definition.NotApplicable(cell, host);
            Assert.That(verdict is null || !string.IsNullOrWhiteSpace(verdict.Message), cell.Id);
        }
    }
}
