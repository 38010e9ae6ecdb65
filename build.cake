// The pipeline. Thin on purpose: every step is the project's own CLI (src/SystemdMatrix.Cli) or `dotnet`,
// so the logic lives in C# where it is unit-tested. Targets:
//   Default      build, install prerequisites, build images, boot the matrix, write artifacts/compatibility.{md,json}
//   Test         unit tests (no engine) and boot tests (real engines), results in artifacts/test-results
//   Images       build (or find in the cache) every image in images/manifest.json
//   Hosts        build (or find in the cache) the VM host images: Debian bullseye, bookworm, trixie, forky
//   Generate     regenerate images/*/*/Dockerfile from the manifest;  CheckGenerated fails on drift
//   Approve      accept the boot snapshots the last test run received
//   Reap         remove what an interrupted or crashed run left behind
//   Bench        harness against a bare docker CLI loop on the same cells (bench/README.md)
// Arguments: --matrix=NAME (default full), --filter=EXPR (dotnet test filter), --configuration=Release|Debug,
//            --allow-host-writes=true (also run, on this machine's own engines, the cells that can write its cgroup
//            tree: for machines you can throw away, such as CI's; VM hosts run them regardless)

var target = Argument("target", "Default");
var configuration = Argument("configuration", "Release");
var matrix = Argument("matrix", "full");
var filter = Argument("filter", "");
var allowHostWrites = Argument("allow-host-writes", false);

var root = MakeAbsolute(Directory("."));
var solution = root.CombineWithFilePath("SystemdMatrix.sln");
var cli = root.CombineWithFilePath($"src/SystemdMatrix.Cli/bin/{configuration}/net10.0/systemd-matrix.dll");
var testResults = root.Combine("artifacts/test-results");

void Cli(params string[] args)
{
    var arguments = new ProcessArgumentBuilder().AppendQuoted(cli.FullPath).AppendSwitchQuoted("--root", root.FullPath);
    foreach (var arg in args)
    {
        arguments.AppendQuoted(arg);
    }

    var exit = StartProcess("dotnet", new ProcessSettings { Arguments = arguments, WorkingDirectory = root });
    if (exit != 0)
    {
        throw new Exception($"systemd-matrix {string.Join(" ", args)} exited with {exit}");
    }
}

Task("Build")
    .Does(() => DotNetBuild(solution.FullPath, new DotNetBuildSettings { Configuration = configuration }));

Task("Prerequisites")
    .IsDependentOn("Build")
    .Does(() => Cli("prereqs", "--install"));

Task("Generate")
    .IsDependentOn("Build")
    .Does(() =>
    {
        Cli("images", "generate");
        Cli("schema");
    });

Task("CheckGenerated")
    .IsDependentOn("Build")
    .Does(() =>
    {
        Cli("images", "check");
        Cli("schema", "--check");
    });

Task("Images")
    .IsDependentOn("Prerequisites")
    .Does(() => Cli("images", "build"));

Task("Hosts")
    .IsDependentOn("Prerequisites")
    .Does(() => Cli("hosts", "build"));

Task("Matrix")
    .IsDependentOn("Prerequisites")
    .Does(() => Cli(allowHostWrites
        ? new[] { "run", "--matrix", matrix, "--allow-host-writes" }
        : new[] { "run", "--matrix", matrix }));

Task("Test")
    .IsDependentOn("Prerequisites")
    .Does(() =>
    {
        Cli("prereqs", "--install", "--tests");
        CleanDirectory(testResults);
        DotNetTest(solution.FullPath, new DotNetTestSettings
        {
            Configuration = configuration,
            NoBuild = true,
            Filter = string.IsNullOrEmpty(filter) ? null : filter,
            Loggers = new[] { "trx", "console;verbosity=normal" },
            ResultsDirectory = testResults,
            EnvironmentVariables = new Dictionary<string, string> { ["SYSTEMD_MATRIX_ALLOW_HOST_WRITES"] = allowHostWrites ? "1" : "0" },
        });
    });

Task("Approve")
    .IsDependentOn("Build")
    .Does(() => Cli("snapshots", "approve"));

Task("Reap")
    .IsDependentOn("Build")
    .Does(() => Cli("reap"));

Task("Bench")
    .IsDependentOn("Prerequisites")
    .Does(() =>
    {
        var benchArguments = new ProcessArgumentBuilder()
            .Append("run").Append("-c").Append(configuration).Append("--no-build")
            .Append("--project").AppendQuoted(root.CombineWithFilePath("bench/SystemdMatrix.Bench/SystemdMatrix.Bench.csproj").FullPath)
            .Append("--").Append("--matrix").Append(Argument("bench-matrix", "smoke")).Append("--image").Append(Argument("bench-image", "debian-bookworm"));
        if (allowHostWrites)
        {
            benchArguments.Append("--allow-host-writes");
        }

        var exit = StartProcess("dotnet", new ProcessSettings { Arguments = benchArguments, WorkingDirectory = root });
        if (exit != 0)
        {
            throw new Exception($"the benchmark exited with {exit}");
        }
    });

Task("Default")
    .IsDependentOn("Matrix");

RunTarget(target);
