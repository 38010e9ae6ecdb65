using System.Diagnostics;
using SystemdMatrix.Images;

namespace SystemdMatrix.Tests.Images;

/// <summary>
/// Checks on the generated Dockerfiles that need no engine, including the Ubuntu and Fedora ones this machine cannot
/// build (no registry, no mirror): every instruction is one the classic builder knows, every RUN is valid shell, the
/// base defaults to the right registry image and the command is systemd at that distribution's path.
/// </summary>
public sealed class GeneratedDockerfileTests
{
    private static readonly HashSet<string> Instructions = ["ARG", "FROM", "ENV", "RUN", "USER", "WORKDIR", "VOLUME", "STOPSIGNAL", "CMD", "LABEL"];

    public static IEnumerable<TestCaseData> Files() =>
        DockerfileGenerator.Generate(ImageManifest.Load(Repo.Layout.Manifest), Repo.Layout.ImagesRoot)
            .Select(f => new TestCaseData(f.RelativePath, f.Content).SetName($"Dockerfile {f.RelativePath}"));

    [TestCaseSource(nameof(Files))]
    public void Instructions_are_known_and_every_run_step_is_valid_shell(string path, string content)
    {
        foreach (var (instruction, argument) in Parse(content))
        {
            Assert.That(Instructions, Does.Contain(instruction), $"{path}: unexpected instruction {instruction}");
            if (instruction == "RUN")
            {
                var check = Process.Start(new ProcessStartInfo("sh", ["-n", "-c", argument]) { RedirectStandardError = true })!;
                var error = check.StandardError.ReadToEnd();
                check.WaitForExit();
                Assert.That(check.ExitCode, Is.Zero, $"{path}: RUN {argument}\n{error}");
            }
        }
    }

    [TestCase("ubuntu/22.04/Dockerfile", "ubuntu:22.04", "/lib/systemd/systemd")]
    [TestCase("ubuntu/24.04/Dockerfile", "ubuntu:24.04", "/lib/systemd/systemd")]
    [TestCase("fedora/44/Dockerfile", "fedora:44", "/usr/lib/systemd/systemd")]
    [TestCase("fedora/45/Dockerfile", "fedora:45", "/usr/lib/systemd/systemd")]
    [TestCase("debian/bullseye-seed-replica/Dockerfile", "debian:bullseye-slim", "/lib/systemd/systemd")]
    public void Registry_base_and_systemd_path_fit_the_distribution(string path, string registryBase, string systemd)
    {
        var steps = Parse(File.ReadAllText(Path.Combine(Repo.Layout.ImagesRoot, path)));

        Assert.That(steps[0], Is.EqualTo(("ARG", $"BASE={registryBase}")));
        Assert.That(steps[1], Is.EqualTo(("FROM", "${BASE}")));
        Assert.That(steps[^1], Is.EqualTo(("CMD", $"[\"{systemd}\"]")));
    }

    [Test]
    public void The_seed_replica_keeps_the_reports_volume_and_unit_removals()
    {
        var steps = Parse(File.ReadAllText(Path.Combine(Repo.Layout.ImagesRoot, "debian/bullseye-seed-replica/Dockerfile")));

        Assert.That(steps, Does.Contain(("VOLUME", "[ \"/sys/fs/cgroup\" ]")));
        Assert.That(steps.Where(s => s.Instruction == "RUN").Select(s => s.Argument), Has.Some.Contains("/lib/systemd/system/multi-user.target.wants/*"));
        Assert.That(steps.Select(s => s.Instruction), Has.None.EqualTo("STOPSIGNAL"));
    }

    /// <summary>Dockerfile instructions with line continuations joined and comments dropped.</summary>
    private static List<(string Instruction, string Argument)> Parse(string content)
    {
        var steps = new List<(string, string)>();
        var current = string.Empty;
        foreach (var raw in content.Split('\n'))
        {
            var line = raw.TrimEnd();
            if (line.TrimStart().StartsWith('#') || (line.Length == 0 && current.Length == 0))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                current += line[..^1] + " ";
                continue;
            }

            current += line;
            if (current.Trim().Length > 0)
            {
                var parts = current.Trim().Split(' ', 2);
                steps.Add((parts[0], parts.Length > 1 ? parts[1].Trim() : string.Empty));
            }

            current = string.Empty;
        }

        return steps;
    }
}
