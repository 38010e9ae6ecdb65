using System.Text;
using SystemdMatrix.Boot;
using SystemdMatrix.Model;

namespace SystemdMatrix.Snippets;

/// <summary>
/// A booting configuration as people write it in their own tools: a <c>docker run</c> line, a Compose service, a
/// Molecule docker platform and Testcontainers for .NET builder code. All four come from the cell's one
/// <see cref="ContainerSpec"/>, the record the harness itself created the container from, so a snippet says exactly
/// what the cell ran (a test starts the Compose one with a real Compose and compares the inspected HostConfig).
/// A tool that cannot say part of the configuration gets no snippet but the reason instead.
/// </summary>
public sealed record ConfigurationSnippets(string DockerRun, string Compose, Snippet Molecule, Snippet Testcontainers, string? DaemonNote)
{
    /// <summary>The Compose service's name in <see cref="Compose"/>.</summary>
    public const string ServiceName = "systemd";

    public static ConfigurationSnippets For(string image, RunProfile run, DaemonProfile daemon)
    {
        var spec = ContainerSpec.For(image, run);
        return new ConfigurationSnippets(spec.Equivalent(), ComposeOf(spec), MoleculeOf(spec), TestcontainersOf(spec), DaemonNoteOf(daemon));
    }

    /// <summary>What the daemon needs for the snippets to behave as the cell did, when it is not the engine's default.</summary>
    private static string? DaemonNoteOf(DaemonProfile daemon)
    {
        var settings = new List<string>();
        if (daemon.UsernsRemap)
        {
            settings.Add("\"userns-remap\": \"default\"");
        }

        if (daemon.CgroupDriver is { } driver)
        {
            settings.Add($"\"exec-opts\": [\"native.cgroupdriver={AxisNames.Of(driver)}\"]");
        }

        if (daemon.CgroupParent is { } parent)
        {
            settings.Add($"\"cgroup-parent\": \"{parent}\"");
        }

        return settings.Count == 0 ? null : $"the daemon profile {daemon.Name}: /etc/docker/daemon.json has {{ {string.Join(", ", settings)} }}";
    }

    private static string ComposeOf(ContainerSpec spec)
    {
        var yaml = new StringBuilder();
        yaml.Append("services:\n  ").Append(ServiceName).Append(":\n");
        yaml.Append("    image: ").Append(spec.Image).Append('\n');
        yaml.Append("    tty: true\n    stdin_open: true\n");
        yaml.Append("    stop_signal: ").Append(ContainerSpec.StopSignal).Append('\n');
        if (spec.CgroupnsMode is { } cgroupns)
        {
            yaml.Append("    cgroup: ").Append(cgroupns).Append('\n');
        }

        List("tmpfs", spec.TmpfsPaths);
        if (spec.Binds.Count > 0)
        {
            yaml.Append("    volumes:\n");
            foreach (var bind in spec.Binds)
            {
                if (bind.SubmountsWritable)
                {
                    // Measured: trixie's Compose 2.26.1 accepts the key and drops it (the bind becomes recursively read-only).
                    yaml.Append("      # bind.recursive needs Compose 2.30 or later; older ones ignore it without a word\n");
                    yaml.Append("      - type: bind\n        source: ").Append(bind.Source).Append("\n        target: ").Append(bind.Target)
                        .Append("\n        read_only: true\n        bind:\n          recursive: writable\n");
                }
                else
                {
                    yaml.Append("      - ").Append(bind.Source).Append(':').Append(bind.Target).Append(bind.ReadOnly ? ":ro" : ":rw").Append('\n');
                }
            }
        }

        if (spec.Privileged)
        {
            yaml.Append("    privileged: true\n");
        }

        List("cap_add", spec.CapAdd);
        List("security_opt", spec.SecurityOpt);
        if (spec.UsernsMode is { } userns)
        {
            yaml.Append("    userns_mode: ").Append(userns).Append('\n');
        }

        if (spec.HandOverCgroup)
        {
            yaml.Append("    # then, as root on the host, hand the container's cgroup to the remapped root (see the docker run line)\n");
            yaml.Append("    entrypoint: [").Append(Quoted(ContainerSpec.HandOverEntrypoint[0])).Append("]\n");
            yaml.Append("    command: [").Append(string.Join(", ", spec.HandOverArguments().Select(Quoted))).Append("]\n");
        }

        return yaml.ToString();

        void List(string key, IReadOnlyList<string> items)
        {
            if (items.Count > 0)
            {
                yaml.Append("    ").Append(key).Append(":\n");
                foreach (var item in items)
                {
                    yaml.Append("      - ").Append(item).Append('\n');
                }
            }
        }
    }

    private static Snippet MoleculeOf(ContainerSpec spec)
    {
        if (spec.Binds.Any(b => b.SubmountsWritable))
        {
            return Snippet.Unavailable("Molecule's docker platform has no key for a bind whose submounts stay writable (bind-recursive=writable)");
        }

        if (spec.HandOverCgroup)
        {
            return Snippet.Unavailable("the chown-cgroup remedy needs a step on the host between create and boot, which Molecule cannot run");
        }

        var yaml = new StringBuilder();
        var name = spec.Image.Split('/', ':').Last(s => s.Length > 0);
        yaml.Append("platforms:\n  - name: ").Append(name).Append('\n');
        yaml.Append("    image: ").Append(spec.Image).Append('\n');
        yaml.Append("    pre_build_image: true\n    override_command: false\n    tty: true\n");
        if (spec.CgroupnsMode is { } cgroupns)
        {
            yaml.Append("    cgroupns_mode: ").Append(cgroupns).Append('\n');
        }

        Inline("tmpfs", spec.TmpfsPaths);
        Inline("volumes", [.. spec.Binds.Select(b => $"{b.Source}:{b.Target}:{(b.ReadOnly ? "ro" : "rw")}")]);
        if (spec.Privileged)
        {
            yaml.Append("    privileged: true\n");
        }

        Inline("capabilities", spec.CapAdd);
        Inline("security_opts", spec.SecurityOpt);
        if (spec.UsernsMode is { } userns)
        {
            yaml.Append("    userns_mode: ").Append(userns).Append('\n');
        }

        return Snippet.Of(yaml.ToString());

        void Inline(string key, IReadOnlyList<string> items)
        {
            if (items.Count > 0)
            {
                yaml.Append("    ").Append(key).Append(": [").Append(string.Join(", ", items.Select(Quoted))).Append("]\n");
            }
        }
    }

    private static Snippet TestcontainersOf(ContainerSpec spec)
    {
        if (spec.HandOverCgroup)
        {
            return Snippet.Unavailable("the chown-cgroup remedy needs a step on the host between create and boot; write it around StartAsync if you need it");
        }

        var code = new StringBuilder();
        code.Append("// using DotNet.Testcontainers.Builders; using DotNet.Testcontainers.Configurations;\n");
        code.Append("var container = new ContainerBuilder()\n");
        code.Append("    .WithImage(").Append(Quoted(spec.Image)).Append(")\n");
        foreach (var path in spec.TmpfsPaths)
        {
            code.Append("    .WithTmpfsMount(").Append(Quoted(path)).Append(")\n");
        }

        foreach (var bind in spec.Binds.Where(b => !b.SubmountsWritable))
        {
            code.Append("    .WithBindMount(").Append(Quoted(bind.Source)).Append(", ").Append(Quoted(bind.Target))
                .Append(bind.ReadOnly ? ", AccessMode.ReadOnly)\n" : ", AccessMode.ReadWrite)\n");
        }

        if (spec.Privileged)
        {
            code.Append("    .WithPrivileged(true)\n");
        }

        // The builder has no methods for these HostConfig fields; the create parameters take them as the Engine API does.
        var modifier = new List<string>();
        if (spec.CgroupnsMode is { } cgroupns)
        {
            modifier.Add($"p.HostConfig.CgroupnsMode = {Quoted(cgroupns)};");
        }

        if (spec.CapAdd.Count > 0)
        {
            modifier.Add($"p.HostConfig.CapAdd = [{string.Join(", ", spec.CapAdd.Select(Quoted))}];");
        }

        if (spec.SecurityOpt.Count > 0)
        {
            modifier.Add($"p.HostConfig.SecurityOpt = [{string.Join(", ", spec.SecurityOpt.Select(Quoted))}];");
        }

        if (spec.UsernsMode is { } userns)
        {
            modifier.Add($"p.HostConfig.UsernsMode = {Quoted(userns)};");
        }

        foreach (var bind in spec.Binds.Where(b => b.SubmountsWritable))
        {
            modifier.Add($"p.HostConfig.Mounts = [new Mount {{ Type = \"bind\", Source = {Quoted(bind.Source)}, Target = {Quoted(bind.Target)}, ReadOnly = true, BindOptions = new BindOptions {{ ReadOnlyNonRecursive = true }} }}];");
        }

        if (modifier.Count > 0)
        {
            code.Append("    .WithCreateParameterModifier(p =>\n    {\n");
            foreach (var line in modifier)
            {
                code.Append("        ").Append(line).Append('\n');
            }

            code.Append("    })\n");
        }

        code.Append("    .WithCreateParameterModifier(p => { p.Tty = true; p.StopSignal = ").Append(Quoted(ContainerSpec.StopSignal)).Append("; })\n");
        code.Append("    .WithWaitStrategy(Wait.ForUnixContainer().UntilMessageIsLogged(\"Reached target .*Multi-User System\"))\n");
        code.Append("    .Build();\nawait container.StartAsync();\n");
        return Snippet.Of(code.ToString());
    }

    /// <summary>A double-quoted string: YAML's double-quoted scalars and C#'s regular literals escape the same two characters.</summary>
    private static string Quoted(string text) => $"\"{text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"";
}

/// <summary>A snippet's text, or why the tool cannot say the configuration.</summary>
public sealed record Snippet(string? Text, string? Unsupported)
{
    public static Snippet Of(string text) => new(text, null);

    public static Snippet Unavailable(string reason) => new(null, reason);
}
