using System.Text;
using System.Text.RegularExpressions;

namespace SystemdMatrix.Isolation;

/// <summary>
/// The part of a host's cgroup tree that belongs to the host and not to any one container: every cgroup directory
/// below <c>/sys/fs/cgroup</c> (paths relative to it, v1 hierarchies included) and the content of every
/// <c>cgroup.subtree_control</c>, minus the subtrees that are a container's own (named after its 64-hex id, or
/// <c>docker-ID.scope</c> under the systemd driver), the harness's own helper and whatever <see cref="Ignored"/> names.
/// Two fingerprints of the same host in the same state are equal whatever containers run at the time.
/// </summary>
public sealed partial record CgroupFingerprint(IReadOnlySet<string> Directories, IReadOnlyDictionary<string, string> SubtreeControl)
{
    /// <summary>The cgroup parent of the harness's own helper container on a VM host (a slice under the systemd driver).</summary>
    public const string AgentParent = "systemd-matrix-agent";

    /// <summary>
    /// Printed on the engine's host, as a script because that host may be a VM: <c>d PATH</c> per directory and
    /// <c>c PATH CONTROLLERS</c> per subtree_control file, paths relative to <c>/sys/fs/cgroup</c> (root is <c>.</c>).
    /// </summary>
    public static string Script(string root = Root) => $$"""
        cd '{{root}}' || exit 1
        find . -type d 2>/dev/null | while IFS= read -r d; do
          echo "d $d"
          if [ -f "$d/cgroup.subtree_control" ]; then echo "c $d $(cat "$d/cgroup.subtree_control" 2>/dev/null)"; fi
        done
        """;

    /// <summary>Where the tree is mounted on every host the harness uses.</summary>
    public const string Root = "/sys/fs/cgroup";

    public static CgroupFingerprint Empty { get; } = new(new HashSet<string>(StringComparer.Ordinal), new Dictionary<string, string>(StringComparer.Ordinal));

    /// <summary>Reads the script's output, dropping what belongs to containers, the harness's helper, and the ignored subtrees.</summary>
    public static CgroupFingerprint Parse(string scriptOutput, IReadOnlyCollection<string>? ignored = null)
    {
        var directories = new HashSet<string>(StringComparer.Ordinal);
        var controls = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in scriptOutput.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length < 3 || line[1] != ' ')
            {
                continue;
            }

            var rest = line[2..];
            if (line[0] == 'd')
            {
                var path = Normalise(rest);
                if (!IsExcluded(path, ignored))
                {
                    directories.Add(path);
                }
            }
            else if (line[0] == 'c')
            {
                // "c PATH CONTROLLERS": a path has no spaces in a cgroup tree the engines and systemd make; the
                // controllers are the rest of the line (possibly nothing).
                var space = rest.IndexOf(' ', StringComparison.Ordinal);
                var path = Normalise(space < 0 ? rest : rest[..space]);
                var value = space < 0 ? string.Empty : string.Join(' ', rest[(space + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
                if (!IsExcluded(path, ignored))
                {
                    controls[path] = value;
                }
            }
        }

        return new CgroupFingerprint(directories, controls);
    }

    /// <summary>Whether a path is a container's own subtree, the harness's helper, or below an ignored subtree.</summary>
    public static bool IsExcluded(string path, IReadOnlyCollection<string>? ignored = null)
    {
        foreach (var component in path.Split('/'))
        {
            if (ContainerCgroup().IsMatch(component) || component == AgentParent || component == AgentParent + ".slice")
            {
                return true;
            }
        }

        return ignored is not null && ignored.Any(i => path == i || path.StartsWith(i + "/", StringComparison.Ordinal));
    }

    /// <summary>What changed from <paramref name="baseline"/> to this fingerprint.</summary>
    public CgroupDiff Since(CgroupFingerprint baseline)
    {
        var added = Directories.Except(baseline.Directories).Order(StringComparer.Ordinal).ToList();
        var removed = baseline.Directories.Except(Directories).Order(StringComparer.Ordinal).ToList();
        var changed = SubtreeControl
            .Where(c => baseline.SubtreeControl.TryGetValue(c.Key, out var before) && before != c.Value)
            .Select(c => new ControlChange(c.Key, baseline.SubtreeControl[c.Key], c.Value))
            .OrderBy(c => c.Path, StringComparer.Ordinal)
            .ToList();
        return new CgroupDiff(added, removed, changed);
    }

    private static string Normalise(string path) => path == "." ? "." : path.StartsWith("./", StringComparison.Ordinal) ? path[2..] : path;

    // A container's own cgroup: /docker/<id> (cgroupfs), docker-<id>.scope (systemd driver), or the id alone
    // under a cgroup-parent.
    [GeneratedRegex("^(docker-)?[0-9a-f]{64}(\\.scope)?$")]
    private static partial Regex ContainerCgroup();
}

/// <summary>A subtree_control file whose enabled controllers changed.</summary>
public sealed record ControlChange(string Path, string Before, string After);

/// <summary>
/// How a host's cgroup tree differs from its defined state: directories a container (or its engine) made or removed
/// outside any container's own subtree, and controllers it enabled or disabled.
/// </summary>
public sealed record CgroupDiff(IReadOnlyList<string> Added, IReadOnlyList<string> Removed, IReadOnlyList<ControlChange> Changed)
{
    public bool IsEmpty => Added.Count == 0 && Removed.Count == 0 && Changed.Count == 0;

    /// <summary>
    /// The changes that are not what the host's engine and its systemd do for any plain container: a directory that
    /// exists, or a subtree_control that reads the same, while a plain container runs (<paramref name="whilePlainRuns"/>)
    /// is the engine's doing, not the cell's. Such a value lingers after a container has gone until the host's
    /// systemd trims it, on its own schedule, so without this a failed cell would be charged for it or not by chance.
    /// </summary>
    public CgroupDiff NotDoneForAnyContainer(IReadOnlyCollection<CgroupFingerprint> whilePlainRuns) => new(
        [.. Added.Where(p => !whilePlainRuns.Any(f => f.Directories.Contains(p)))],
        Removed,
        [.. Changed.Where(c => !whilePlainRuns.Any(f => f.SubtreeControl.TryGetValue(c.Path, out var running) && running == c.After))]);

    /// <summary>One line per change, for verdicts, snapshots and error messages: <c>+ PATH</c>, <c>- PATH</c>, <c>~ PATH/cgroup.subtree_control: A -> B</c>.</summary>
    public IReadOnlyList<string> Lines() =>
    [
        .. Added.Select(p => $"+ {Display(p)}"),
        .. Removed.Select(p => $"- {Display(p)}"),
        .. Changed.Select(c => $"~ {Display(c.Path)}/cgroup.subtree_control: '{c.Before}' -> '{c.After}'"),
    ];

    /// <summary>
    /// A shell script (run where the tree is, with it writable) that puts the tree back: controllers switched off
    /// deepest first and directories removed deepest first, then removed directories made again and controllers
    /// switched back on shallowest first. Prints <c>fail WHAT</c> for each step the kernel refused.
    /// </summary>
    public string RestoreScript(string root = CgroupFingerprint.Root)
    {
        var script = new StringBuilder($"cd '{root}' || exit 1\n");
        static int Depth(string path) => path == "." ? 0 : path.Count(c => c == '/') + 1;
        static string Q(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

        foreach (var change in Changed.OrderByDescending(c => Depth(c.Path)))
        {
            foreach (var controller in Words(change.After).Except(Words(change.Before)))
            {
                var file = $"{change.Path}/cgroup.subtree_control";
                script.Append(CultureInfo($"echo -{controller} > {Q(file)} 2>/dev/null || echo fail disable {controller} in {Q(file)}\n"));
            }
        }

        foreach (var path in Added.OrderByDescending(Depth).ThenByDescending(p => p, StringComparer.Ordinal))
        {
            script.Append(CultureInfo($"[ ! -d {Q(path)} ] || rmdir {Q(path)} 2>/dev/null || echo fail rmdir {Q(path)}\n"));
        }

        foreach (var path in Removed.OrderBy(Depth).ThenBy(p => p, StringComparer.Ordinal))
        {
            script.Append(CultureInfo($"mkdir -p {Q(path)} 2>/dev/null || echo fail mkdir {Q(path)}\n"));
        }

        foreach (var change in Changed.OrderBy(c => Depth(c.Path)))
        {
            foreach (var controller in Words(change.Before).Except(Words(change.After)))
            {
                var file = $"{change.Path}/cgroup.subtree_control";
                script.Append(CultureInfo($"echo +{controller} > {Q(file)} 2>/dev/null || echo fail enable {controller} in {Q(file)}\n"));
            }
        }

        return script.ToString();
    }

    private static string Display(string path) => path == "." ? "/sys/fs/cgroup" : "/sys/fs/cgroup/" + path;

    private static IEnumerable<string> Words(string value) => value.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static string CultureInfo(FormattableString text) => FormattableString.Invariant(text);
}
