using System.Globalization;
using SystemdMatrix.Processes;

namespace SystemdMatrix.Engines;

/// <summary>
/// Takes a sandbox engine apart, whether it is healthy (normal stop) or half-dead (reaping after a crash):
/// containers, dockerd, its containerd and shims, every mount under its folders, then the folders. Each step works
/// without the previous one having succeeded, because after a crash any of them may be the one that is missing.
/// </summary>
public static class EngineTeardown
{
    public static async Task<IReadOnlyList<string>> TeardownAsync(SandboxPaths paths, CancellationToken cancellationToken = default)
    {
        var done = new List<string>();

        // 1. Containers: runc knows them even when dockerd and containerd are gone.
        var runc = ProcessRunner.FindExecutable("runc");
        var runcRoot = Path.Combine(paths.ExecRoot, "runtime-runc");
        if (runc is not null && Directory.Exists(runcRoot))
        {
            foreach (var namespaceRoot in Directory.EnumerateDirectories(runcRoot))
            {
                var list = await ProcessRunner.RunAsync(runc, ["--root", namespaceRoot, "list", "-q"], cancellationToken: cancellationToken).ConfigureAwait(false);
                foreach (var id in list.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    await ProcessRunner.RunAsync(runc, ["--root", namespaceRoot, "delete", "--force", id], cancellationToken: cancellationToken).ConfigureAwait(false);
                    done.Add($"container {id[..Math.Min(12, id.Length)]}");
                }
            }
        }

        // 2. dockerd itself: a polite SIGTERM first so it unmounts what it mounted.
        var dockerdPid = ReadPid(paths.PidFile);
        if (dockerdPid is { } pid && IsOurs(pid, paths))
        {
            Posix.Signal(pid, Posix.SigTerm);
            if (!await WaitForExitAsync(pid, TimeSpan.FromSeconds(20), cancellationToken).ConfigureAwait(false))
            {
                Posix.Signal(pid, Posix.SigKill);
                await WaitForExitAsync(pid, TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
            }

            done.Add($"dockerd {pid.ToString(CultureInfo.InvariantCulture)}");
        }

        // 3. Whatever still names our folders on its command line: the engine's containerd, shims, a stuck dockerd.
        foreach (var straggler in Posix.AllPids().Where(p => p != Environment.ProcessId && IsOurs(p, paths)).ToList())
        {
            Posix.Signal(straggler, Posix.SigKill);
            done.Add($"process {straggler.ToString(CultureInfo.InvariantCulture)} ({string.Join(' ', Posix.CommandLine(straggler).Take(1))})");
        }

        // 4. Mounts under our folders, deepest first (overlay merges, netns files, the data-root's own bind).
        var remapped = paths.RemappedStateDirectories();
        var unmounted = await UnmountUnderAsync([paths.DataRoot, paths.StateDirectory, .. remapped], cancellationToken).ConfigureAwait(false);
        if (unmounted > 0)
        {
            done.Add($"{unmounted.ToString(CultureInfo.InvariantCulture)} mounts");
        }

        // 5. The folders, unless something is still mounted below them: a recursive delete must never walk into a
        //    mount it does not own.
        foreach (var dir in (paths.KeepDataRoot ? [paths.StateDirectory] : new[] { paths.DataRoot, paths.StateDirectory }).Concat(remapped))
        {
            var stillMounted = MountPointsUnder([dir]);
            if (stillMounted.Count > 0)
            {
                done.Add($"kept {dir}: still mounted at {string.Join(", ", stillMounted)}");
                continue;
            }

            if (Directory.Exists(dir))
            {
                DeleteTree(dir);
                done.Add($"folder {dir}");
            }
        }

        // The remapped roots themselves once no engine uses them; another engine's files keep theirs.
        foreach (var remappedRoot in remapped.Select(Path.GetDirectoryName).OfType<string>().Distinct())
        {
            if (Directory.Exists(remappedRoot) && !Directory.EnumerateFileSystemEntries(remappedRoot).Any())
            {
                Directory.Delete(remappedRoot);
            }
        }

        return done;
    }

    /// <summary>Unmounts every mount point at or below the given folders; returns how many.</summary>
    public static async Task<int> UnmountUnderAsync(IReadOnlyList<string> roots, CancellationToken cancellationToken)
    {
        var count = 0;
        foreach (var mountPoint in MountPointsUnder(roots))
        {
            // Lazy: a mount still busy (a process we could not kill yet) must not stop the rest of the cleanup.
            var result = await ProcessRunner.RunAsync("umount", ["-l", mountPoint], cancellationToken: cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Mount points from <c>/proc/self/mountinfo</c> at or below the roots, deepest first.</summary>
    public static IReadOnlyList<string> MountPointsUnder(IReadOnlyList<string> roots) =>
        MountPointsUnder(File.ReadAllLines("/proc/self/mountinfo"), roots);

    internal static IReadOnlyList<string> MountPointsUnder(IEnumerable<string> mountinfoLines, IReadOnlyList<string> roots)
    {
        var points = new List<string>();
        foreach (var line in mountinfoLines)
        {
            var fields = line.Split(' ');
            if (fields.Length < 5)
            {
                continue;
            }

            var mountPoint = DecodeMountPath(fields[4]);
            if (roots.Any(root => mountPoint == root || mountPoint.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal)))
            {
                points.Add(mountPoint);
            }
        }

        return points.Distinct().OrderByDescending(p => p.Count(c => c == '/')).ThenByDescending(p => p.Length).ToList();
    }

    /// <summary>mountinfo escapes space, tab, newline and backslash as three-digit octal.</summary>
    internal static string DecodeMountPath(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var chars = new System.Text.StringBuilder();
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length && IsOctal(field.AsSpan(i + 1, 3)))
            {
                chars.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                chars.Append(field[i]);
            }
        }

        return chars.ToString();
    }

    private static bool IsOctal(ReadOnlySpan<char> span) => span.Length == 3 && span[0] is >= '0' and <= '7' && span[1] is >= '0' and <= '7' && span[2] is >= '0' and <= '7';

    /// <summary>A process is ours when its command line names one of this engine's folders (or its containerd namespace).</summary>
    public static bool IsOurs(int pid, SandboxPaths paths)
    {
        var cmdline = Posix.CommandLine(pid);
        return cmdline.Count > 0 && cmdline.Any(arg =>
            arg.Contains(paths.StateDirectory, StringComparison.Ordinal) || arg.Contains(paths.DataRoot, StringComparison.Ordinal));
    }

    private static int? ReadPid(string pidFile)
    {
        try
        {
            return int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public static async Task<bool> WaitForExitAsync(int pid, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Posix.IsAlive(pid) && !IsZombie(pid))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    private static bool IsZombie(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return false;
        }
    }

    public static void DeleteTree(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // A mount we could only lazily detach can hold a file for a moment; one retry is enough in practice.
            Thread.Sleep(200);
            Directory.Delete(dir, recursive: true);
        }
    }
}
