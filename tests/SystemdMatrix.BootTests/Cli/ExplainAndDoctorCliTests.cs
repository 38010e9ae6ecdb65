namespace SystemdMatrix.BootTests.Cli;

/// <summary>
/// What a person sees from <c>explain</c> and <c>doctor</c> when the input is wrong: one line and a non-zero exit,
/// never a stack trace; and the seed report's log explained with the row that backs its fix.
/// </summary>
public sealed class ExplainAndDoctorCliTests
{
    private static async Task<(int Exit, string Output)> RunAsync(CancellationToken cancellationToken, params string[] args)
    {
        using var cli = CliProcess.Start(args);
        var exit = await cli.WaitForExitAsync(TimeSpan.FromMinutes(2), cancellationToken);
        return (exit, cli.Output);
    }

    private static string[] Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [Test]
    [CancelAfter(300_000)]
    public async Task Explain_answers_bad_input_in_one_line_with_a_non_zero_exit(CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("smx-explain-");
        try
        {
            var empty = Path.Combine(folder.FullName, "empty.log");
            var binary = Path.Combine(folder.FullName, "binary.log");
            var prose = Path.Combine(folder.FullName, "prose.log");
            await File.WriteAllTextAsync(empty, string.Empty, cancellationToken);
            await File.WriteAllBytesAsync(binary, [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0x3e, 0], cancellationToken);
            await File.WriteAllTextAsync(prose, "Dear team,\nthe build is green again.\n", cancellationToken);
            foreach (var (file, says) in new[] { (empty, "the input is empty"), (binary, "the input is not text"), (prose, "does not look like a systemd boot log"), (Path.Combine(folder.FullName, "absent.log"), "no such file") })
            {
                var (exit, output) = await RunAsync(cancellationToken, "explain", file);
                Assert.That(exit, Is.EqualTo(2), output);
                Assert.That(Lines(output), Has.Length.EqualTo(1).And.One.StartsWith("error:").And.One.Contains(says), output);
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task Explain_on_the_seed_reports_log_names_the_read_only_cgroup_and_the_row_of_a_fix_that_works_on_cgroup_v2(CancellationToken cancellationToken)
    {
        var (exit, output) = await RunAsync(cancellationToken, "explain", Path.Combine(BootEnvironment.Layout.Fixtures, "logs", "seed-report.txt"));
        Assert.That(exit, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("cause: cgroup-readonly").And.Contain("on cgroup v2").And.Contain("row: docs/compatibility/v2.html#cell=vm-"));
    }

    [TestCase("unix:///nonexistent/docker.sock", "no engine at unix:///nonexistent/docker.sock (--engine)", "hosts up")]
    [TestCase("tcp://127.0.0.1:2375", "unix sockets only", "ssh -L")]
    [CancelAfter(300_000)]
    public async Task Doctor_names_an_engine_it_cannot_use_and_how_to_point_elsewhere(string engine, string says, string how, CancellationToken cancellationToken)
    {
        var (exit, output) = await RunAsync(cancellationToken, "doctor", "--engine", engine);
        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(Lines(output), Has.Length.EqualTo(1).And.One.Contains(says).And.One.Contains(how), output);
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task A_matrix_pointed_at_an_absent_local_engine_stops_before_building_anything(CancellationToken cancellationToken)
    {
        var (exit, output) = await RunAsync(cancellationToken, "run", "--matrix", "smoke", "--host", "local", "--engine", "unix:///nonexistent/docker.sock");
        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("no engine at unix:///nonexistent/docker.sock").And.Not.Contain("image "));
    }
}
