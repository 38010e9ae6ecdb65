using SystemdMatrix.Boot;
using SystemdMatrix.Engines;
using SystemdMatrix.Isolation;
using SystemdMatrix.Model;

namespace SystemdMatrix.BootTests.Isolation;

/// <summary>The cgroup agent's channel: one attached shell in a helper container, scripts fed one at a time.</summary>
public sealed class AttachedShellTests
{
    [Test]
    [CancelAfter(180_000)]
    public async Task Scripts_run_in_turn_with_their_output_exit_code_and_errors_and_the_container_is_gone_afterwards(CancellationToken cancellationToken)
    {
        var image = await BootEnvironment.ImageAsync("debian-bookworm");
        await using var session = await BootEnvironment.NewSessionAsync(HostSpec.Sandbox, DaemonProfile.Default, [image.Facts!], "attached shell test", cancellationToken);
        var cli = new DockerCli(session.Engine.Endpoint);
        string name;
        await using (var shell = await AttachedShell.StartAsync(cli, ["--network", "none", "--label", $"{CellRunner.CellLabel}=attached-shell-test"], image.Facts!.Tag, cancellationToken))
        {
            name = shell.Name;
            var plain = await shell.RunAsync("echo one; echo two", cancellationToken);
            Assert.That((plain.ExitCode, plain.StandardOutput), Is.EqualTo((0, "one\ntwo\n")));

            var noNewline = await shell.RunAsync("printf last", cancellationToken);
            Assert.That(noNewline.StandardOutput, Is.EqualTo("last\n"));

            var failing = await shell.RunAsync("echo out; echo why >&2; exit 3", cancellationToken);
            Assert.That((failing.ExitCode, failing.StandardOutput), Is.EqualTo((3, "out\n")));
            // Standard error arrives on its own stream; the marker on standard output may come first.
            Assert.That(failing.StandardError, Is.Empty.Or.EqualTo("why"));

            // Larger than a pipe's buffer, and with lines that look like the protocol's own.
            var big = string.Join('\n', Enumerable.Range(0, 4000).Select(i => $"echo line-{i:D5}-{new string('x', 20)}"));
            var many = await shell.RunAsync(big + "\necho 12\necho '@@systemd-matrix' done", cancellationToken);
            var lines = many.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.That(lines, Has.Length.EqualTo(4002));
            Assert.That(lines[3999], Is.EqualTo($"line-03999-{new string('x', 20)}"));
            Assert.That(lines[^1], Is.EqualTo("@@systemd-matrix done"));

            // A call cancelled before it starts leaves the shell usable.
            Assert.That(async () => await shell.RunAsync("echo never", new CancellationToken(canceled: true)), Throws.InstanceOf<OperationCanceledException>());
            Assert.That((await shell.RunAsync("echo still", cancellationToken)).StandardOutput, Is.EqualTo("still\n"));

            var listed = await cli.RunCheckedAsync(["ps", "-q", "--filter", $"name={name}"], cancellationToken: cancellationToken);
            Assert.That(listed.StandardOutput.Trim(), Is.Not.Empty, "the helper runs while the shell is open");
        }

        var left = await cli.RunCheckedAsync(["ps", "-aq", "--filter", $"name={name}"], cancellationToken: cancellationToken);
        Assert.That(left.StandardOutput.Trim(), Is.Empty, "the helper container is removed with the shell");
    }
}
