using Docker.DotNet.Models;
using SystemdMatrix.Model;

namespace SystemdMatrix.Boot;

/// <summary>A bind mount with the engine-side options the cgroup-mount axis needs.</summary>
public sealed record BindSpec(string Source, string Target, bool ReadOnly, bool SubmountsWritable);

/// <summary>
/// The engine-neutral translation of a run profile: what the container gets, independent of whether it is
/// created through the Engine API or a <c>docker run</c> line. Both of those are derived from this one record, so
/// the table's "equivalent docker run" is, by construction, what the harness did.
/// </summary>
public sealed record ContainerSpec(
    string Image,
    string? CgroupnsMode,
    IReadOnlyList<BindSpec> Binds,
    IReadOnlyList<string> TmpfsPaths,
    bool Privileged,
    IReadOnlyList<string> CapAdd,
    IReadOnlyList<string> SecurityOpt,
    string? UsernsMode = null,
    bool HandOverCgroup = false)
{
    public const string StopSignal = "SIGRTMIN+3";
    public const string CgroupRoot = "/sys/fs/cgroup";

    /// <summary>The file whose appearance tells the waiting entrypoint that its cgroup has been handed over.</summary>
    public const string HandOverMarker = "/.systemd-matrix-cgroup-handed-over";

    /// <summary>
    /// The entrypoint of the chown-cgroup remedy: wait until the harness has given the container's cgroup to the
    /// remapped root, then become systemd (exec keeps PID 1). The image's own command follows as arguments.
    /// </summary>
    public static IReadOnlyList<string> HandOverEntrypoint { get; } =
        ["/bin/sh", "-c", $"while [ ! -e {HandOverMarker} ]; do sleep 0.05; done; exec \"$@\"", "systemd-matrix-wait"];

    public static ContainerSpec For(string image, RunProfile run)
    {
        string? cgroupns = run.Cgroupns switch
        {
            Model.CgroupnsMode.EngineDefault => null,
            Model.CgroupnsMode.Host => "host",
            Model.CgroupnsMode.Private => "private",
            _ => throw new ArgumentOutOfRangeException(nameof(run), run.Cgroupns, "unknown cgroupns mode"),
        };

        IReadOnlyList<BindSpec> binds = run.CgroupMount switch
        {
            CgroupMount.None => [],
            CgroupMount.ReadOnlyBind => [new BindSpec(CgroupRoot, CgroupRoot, ReadOnly: true, SubmountsWritable: false)],
            CgroupMount.ReadWriteBind => [new BindSpec(CgroupRoot, CgroupRoot, ReadOnly: false, SubmountsWritable: false)],
            CgroupMount.RecursiveWritableBind => [new BindSpec(CgroupRoot, CgroupRoot, ReadOnly: true, SubmountsWritable: true)],
            _ => throw new ArgumentOutOfRangeException(nameof(run), run.CgroupMount, "unknown cgroup mount"),
        };

        return new ContainerSpec(
            image,
            cgroupns,
            binds,
            run.Tmpfs ? RunProfile.TmpfsPaths : [],
            Privileged: run.Privilege == Privilege.Privileged,
            CapAdd: run.Privilege == Privilege.CapSysAdmin ? ["SYS_ADMIN"] : [],
            SecurityOpt: run.Privilege == Privilege.WritableCgroups ? ["writable-cgroups=true"] : [],
            UsernsMode: run.Remedy == Remedy.UsernsHost ? "host" : null,
            HandOverCgroup: run.Remedy == Remedy.ChownCgroup);
    }

    /// <summary>
    /// The <c>docker run</c> flags (without <c>docker run</c> itself and without the image), in the order a person
    /// would write them. Old-style <c>-v</c> for plain binds, as the seed report does; <c>--mount</c> only where
    /// <c>-v</c> cannot say it.
    /// </summary>
    public IReadOnlyList<string> Flags()
    {
        var flags = new List<string>();
        if (CgroupnsMode is not null)
        {
            flags.Add($"--cgroupns={CgroupnsMode}");
        }

        foreach (var path in TmpfsPaths)
        {
            flags.Add("--tmpfs");
            flags.Add(path);
        }

        foreach (var bind in Binds)
        {
            if (bind.SubmountsWritable)
            {
                flags.Add("--mount");
                flags.Add($"type=bind,source={bind.Source},target={bind.Target},readonly,bind-recursive=writable");
            }
            else
            {
                flags.Add("-v");
                flags.Add($"{bind.Source}:{bind.Target}:{(bind.ReadOnly ? "ro" : "rw")}");
            }
        }

        if (Privileged)
        {
            flags.Add("--privileged");
        }

        foreach (var cap in CapAdd)
        {
            flags.Add("--cap-add");
            flags.Add(cap);
        }

        foreach (var opt in SecurityOpt)
        {
            flags.Add("--security-opt");
            flags.Add(opt);
        }

        if (UsernsMode is not null)
        {
            flags.Add($"--userns={UsernsMode}");
        }

        if (HandOverCgroup)
        {
            flags.Add("--entrypoint");
            flags.Add(HandOverEntrypoint[0]);
        }

        return flags;
    }

    /// <summary>
    /// The same configuration as <see cref="Flags"/>, as Engine API create parameters (what the harness sends), plus a
    /// TTY, open stdin, systemd's stop signal and no network; <paramref name="systemd"/> is the image's own command,
    /// which the chown-cgroup remedy's waiting entrypoint runs once the cgroup is handed over.
    /// </summary>
    public void ApplyTo(CreateContainerParameters parameters, IReadOnlyList<string> systemd)
    {
        parameters.Tty = true;
        if (HandOverCgroup)
        {
            parameters.Entrypoint = [HandOverEntrypoint[0]];
            parameters.Cmd = [.. HandOverEntrypoint.Skip(1), .. systemd];
        }

        parameters.OpenStdin = true;
        parameters.StopSignal = StopSignal;
        var host = parameters.HostConfig ??= new HostConfig();
        host.NetworkMode = "none";
        host.CgroupnsMode = CgroupnsMode ?? string.Empty;
        host.Binds = Binds.Where(b => !b.SubmountsWritable).Select(b => $"{b.Source}:{b.Target}:{(b.ReadOnly ? "ro" : "rw")}").ToList();
        host.Mounts = Binds.Where(b => b.SubmountsWritable)
            .Select(b => new Mount { Type = "bind", Source = b.Source, Target = b.Target, ReadOnly = b.ReadOnly, BindOptions = new BindOptions { ReadOnlyNonRecursive = true } })
            .ToList();
        host.Tmpfs = TmpfsPaths.ToDictionary(p => p, _ => string.Empty);
        host.Privileged = Privileged;
        host.CapAdd = CapAdd.ToList();
        host.SecurityOpt = SecurityOpt.ToList();
        host.UsernsMode = UsernsMode ?? string.Empty;
    }

    /// <summary>The full argument list for a detached <c>docker run</c> with a TTY, no network and the given labels.</summary>
    public IReadOnlyList<string> DockerRunArguments(IReadOnlyDictionary<string, string> labels)
    {
        var args = new List<string> { "run", "-d", "-t", "--network", "none" };
        foreach (var (key, value) in labels.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            args.Add("--label");
            args.Add($"{key}={value}");
        }

        args.AddRange(Flags());
        args.Add(Image);
        args.AddRange(HandOverArguments());
        return args;
    }

    /// <summary>
    /// What a person would type to reproduce the cell: <c>docker run -it FLAGS IMAGE</c>, and for the chown-cgroup
    /// remedy the host-side step that follows it.
    /// </summary>
    public string Equivalent()
    {
        var run = string.Join(' ', ReproductionArguments().Select(Processes.ShellWords.Quote));
        return HandOverCgroup
            ? run + $"  # then, as root on the host: chown -R the container's cgroup directories (from /proc/PID/cgroup) to the uid that /proc/PID/uid_map maps root to, and touch {HandOverMarker} in the container"
            : run;
    }

    /// <summary>The argv of <see cref="Equivalent"/>'s command: <c>docker run -it FLAGS IMAGE</c> and what follows the image.</summary>
    public IReadOnlyList<string> ReproductionArguments() => ["docker", "run", "-it", .. Flags(), Image, .. HandOverArguments()];

    /// <summary>The arguments after the image: the wrapper script's remaining words and the systemd command.</summary>
    public IReadOnlyList<string> HandOverArguments(string systemd = "/lib/systemd/systemd") =>
        HandOverCgroup ? [.. HandOverEntrypoint.Skip(1), systemd] : [];
}
