using System.Text;
using Docker.DotNet.Models;
using SystemdMatrix.Boot;
using SystemdMatrix.Engines;
using SystemdMatrix.Hosts;
using SystemdMatrix.Model;
using SystemdMatrix.Snippets;

namespace SystemdMatrix.BootTests.Snippets;

/// <summary>
/// The Compose snippets the report shows are proven with a real Compose: forky's own Compose v2 (bookworm's 1.29
/// predates the <c>cgroup:</c> key; trixie's 2.26.1 drops <c>bind.recursive</c>, which came with 2.30), run inside a
/// forky cgroup v2 VM host (Docker 28, which has every flag the snippets use) against its engine. For each cell the
/// harness boots it first; then Compose starts the rendered service, and the container's inspected HostConfig must
/// equal that of a container created from the cell's own create parameters, and it must boot (or fail) as the
/// harness's cell did.
/// </summary>
public sealed class ComposeSnippetTests
{
    private static readonly HostSpec Forky = HostSpec.Vm("forky", HostCgroupMode.V2);

    /// <summary>
    /// Every key the snippets write that matters to systemd: cgroup, volumes (short and long), tmpfs, privileged,
    /// cap_add, security_opt (the answer's own writable-cgroups).
    /// </summary>
    private static readonly string[] CellIds =
    [
        "vm-forky-v2/debian-bookworm/default/cgns-private_mount-none_priv-writable-cgroups_tmpfs-on",
        "vm-forky-v2/debian-bookworm/default/cgns-private_mount-none_priv-privileged_tmpfs-on",
        "vm-forky-v2/debian-bookworm/default/cgns-host_mount-rw_priv-sys-admin_tmpfs-on",
        "vm-forky-v2/debian-bookworm/default/cgns-default_mount-ro_priv-none_tmpfs-on",
        "vm-forky-v2/debian-bookworm/default/cgns-private_mount-rrw_priv-none_tmpfs-on",
    ];

    /// <summary>Boots under emulation take seconds to a minute; this bounds a boot that never ends, it decides nothing that finishes.</summary>
    private static readonly TimeSpan BootLimit = TimeSpan.FromMinutes(3);

    [Test]
    [CancelAfter(1_800_000)]
    public async Task Compose_starts_each_snippet_with_the_cells_host_config_and_it_boots_as_the_cell_did(CancellationToken cancellationToken)
    {
        var cells = BootEnvironment.CellsOf("v2", CellIds);
        var image = await BootEnvironment.ImageAsync("debian-bookworm");
        Assert.That(image.Facts, Is.Not.Null, $"debian-bookworm: {image.Reason}");

        await using var session = await BootEnvironment.NewSessionAsync(Forky, DaemonProfile.Default, [image.Facts!], "compose snippet test", cancellationToken);
        var vm = (VmEngine)session.Engine;
        var cli = new DockerCli(vm.Endpoint);
        using var client = vm.Endpoint.CreateClient();

        var compose = await InGuestAsync(cli, vm, "docker-compose version --short", cancellationToken);
        Assert.That(compose.ExitCode, Is.Zero, $"forky's host image has Compose v2 as /usr/bin/docker-compose (hosts/releases.json extraPackages; its docker.io has no docker CLI without its recommends): {compose.StandardError}");
        Assert.That(System.Version.Parse(compose.StandardOutput.Trim().Split('-', '+')[0]), Is.GreaterThanOrEqualTo(new System.Version(2, 30)), "Compose knows bind.recursive from 2.30");
        BootEnvironment.Log($"compose snippet test: Compose {compose.StandardOutput.Trim()} on {vm.Identity.Describe()}");

        var outcomes = new Dictionary<string, CellOutcome>(StringComparer.Ordinal);
        foreach (var cell in cells)
        {
            outcomes[cell.Id] = await session.RunAsync(cell, cancellationToken);
        }

        // The harness agrees with the committed reference run on these cells (three of them boot there).
        var reference = SystemdMatrix.Reporting.CommittedReports.Load(BootEnvironment.Layout).Single(r => r.Matrix == "v2").Cells.ToDictionary(c => c.Cell.Id, StringComparer.Ordinal);
        Assert.That(
            outcomes.ToDictionary(o => o.Key, o => o.Value.Verdict.Kind),
            Is.EquivalentTo(cells.ToDictionary(c => c.Id, c => reference[c.Id].Verdict.Kind)),
            "the verdicts of docs/compatibility/v2.json");

        var failures = new List<string>();
        foreach (var cell in cells)
        {
            var outcome = outcomes[cell.Id];
            var snippets = ConfigurationSnippets.For(image.Facts!.Tag, cell.Run, cell.Daemon);
            var project = $"smx-compose-{Guid.NewGuid().ToString("N")[..8]}";
            var container = $"{project}-{ConfigurationSnippets.ServiceName}-1";

            var expected = await HarnessHostConfigAsync(client, image.Facts!.Tag, cell, cancellationToken);
            var up = await InGuestAsync(cli, vm, $"mkdir -p /tmp/{project} && cat > /tmp/{project}/compose.yaml <<'SNIPPET'\n{snippets.Compose}SNIPPET\ncd /tmp/{project} && docker-compose -p {project} up -d --no-build --pull never", cancellationToken);
            if (up.ExitCode != 0)
            {
                failures.Add($"{cell.Id}: docker compose up failed ({up.ExitCode}): {up.StandardError.Trim()}\n{snippets.Compose}");
                continue;
            }

            try
            {
                var actual = Describe((await client.Containers.InspectContainerAsync(container, cancellationToken)).HostConfig);
                if (actual != expected)
                {
                    failures.Add($"{cell.Id}: Compose's HostConfig differs from the cell's\n  cell:    {expected}\n  compose: {actual}");
                }

                var booted = await BootsAsync(cli, container, cancellationToken);
                if (booted != (outcome.Verdict.Kind == VerdictKind.Booted))
                {
                    failures.Add($"{cell.Id}: the harness's cell {outcome.Verdict.Label}, Compose's container {(booted ? "booted" : "did not boot")}");
                }

                BootEnvironment.Log($"compose snippet test: {cell.Id}: harness {outcome.Verdict.Label}, compose {(booted ? "booted" : "did not boot")}, HostConfig {(actual == expected ? "equal" : "different")}");
            }
            finally
            {
                await InGuestAsync(cli, vm, $"cd /tmp/{project} && docker-compose -p {project} down -t 1 -v; rm -rf /tmp/{project}", CancellationToken.None);
            }
        }

        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }

    /// <summary>The HostConfig of a container created from the cell's own create parameters (what the harness boots), then removed.</summary>
    private static async Task<string> HarnessHostConfigAsync(Docker.DotNet.DockerClient client, string tag, Cell cell, CancellationToken cancellationToken)
    {
        var parameters = new CreateContainerParameters { Image = tag, Labels = new Dictionary<string, string> { [CellRunner.CellLabel] = "compose-snippet-reference" } };
        Boot.ContainerSpec.For(tag, cell.Run).ApplyTo(parameters, ["/lib/systemd/systemd"]);
        var created = await client.Containers.CreateContainerAsync(parameters, cancellationToken);
        try
        {
            return Describe((await client.Containers.InspectContainerAsync(created.ID, cancellationToken)).HostConfig);
        }
        finally
        {
            await client.Containers.RemoveContainerAsync(created.ID, new ContainerRemoveParameters { Force = true }, CancellationToken.None);
        }
    }

    /// <summary>The HostConfig fields the snippet's keys set, in one comparable line.</summary>
    private static string Describe(HostConfig? host)
    {
        if (host is null)
        {
            return "no HostConfig";
        }

        static string List(IEnumerable<string>? items) => string.Join(",", (items ?? []).Order(StringComparer.Ordinal));
        var mounts = (host.Mounts ?? []).Select(m => $"{m.Type}:{m.Source}:{m.Target}:ro={m.ReadOnly}:nonrecursive-ro={m.BindOptions?.ReadOnlyNonRecursive == true}");
        return $"cgroupns={host.CgroupnsMode} binds=[{List(host.Binds)}] mounts=[{List(mounts)}] tmpfs=[{List(host.Tmpfs?.Select(t => $"{t.Key}={t.Value}"))}] "
               + $"privileged={host.Privileged} cap_add=[{List(host.CapAdd?.Select(Capability))}] security_opt=[{List(host.SecurityOpt)}] userns={host.UsernsMode}";
    }

    /// <summary>A capability as the engine understands it: Compose 2.40 sends <c>CAP_SYS_ADMIN</c>, the harness and the docker CLI <c>SYS_ADMIN</c> (measured on forky).</summary>
    private static string Capability(string name) => name.StartsWith("CAP_", StringComparison.Ordinal) ? name[4..] : name;

    /// <summary>
    /// Follows the container's console until systemd reports multi-user.target (booted) or the console ends because
    /// the container exited (did not boot).
    /// </summary>
    private static async Task<bool> BootsAsync(DockerCli cli, string container, CancellationToken cancellationToken)
    {
        using var reached = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        reached.CancelAfter(BootLimit);
        var seen = false;
        try
        {
            await cli.RunAsync(["logs", "-f", container], line =>
            {
                if (BootLog.Lines(line).Any(BootLog.IsMultiUserReached))
                {
                    seen = true;
                    reached.Cancel();
                }
            }, cancellationToken: reached.Token);
        }
        catch (OperationCanceledException) when (seen)
        {
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Assert.Fail($"{container}: neither multi-user.target nor an exit within {BootLimit.TotalMinutes:0} minutes");
        }

        return seen;
    }

    /// <summary>Runs a script in the guest's own mount namespace (where its docker CLI and Compose are), through a privileged helper.</summary>
    private static Task<Processes.ProcessResult> InGuestAsync(DockerCli cli, VmEngine vm, string script, CancellationToken cancellationToken) =>
        cli.RunAsync(
            ["run", "--rm", "-i", "--network", "none", "--pid=host", "--privileged", "--label", $"{CellRunner.CellLabel}=compose-snippet-helper", "--entrypoint", "nsenter", vm.HelperImage, "-t", "1", "-m", "-u", "-i", "-n", "-p", "--", "sh", "-s"],
            input: new MemoryStream(Encoding.UTF8.GetBytes(script + "\n")),
            cancellationToken: cancellationToken);
}
