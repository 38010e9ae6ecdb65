using System.Text;
using System.Text.RegularExpressions;

namespace SystemdMatrix.Isolation;

/// <summary>
/// The part of a host's cgroup tree that belongs to the host and not to any one container: every cgroup directory
/// below <c>/sys/fs/cgroup</c> (paths relative to it, v1 hierarchies included) and the content of every
/// <c>cgroup.subtree_control</c>, minus the subtrees that are a container's own (named after its 64-hex id, or
/// <c>docker-ID.scope</c> under the systemd driver), the harness's own helper and the ignored subtrees; and the options
/// of every cgroup2 hierarchy below it (<c>nsdelegate</c>, <c>memory_recursiveprot</c>). Those options belong to the
/// hierarchy, not to one mount: any cgroup2 mount made in the host's cgroup namespace sets them anew, which is what
/// an engine does for a <c>--cgroupns=host</c> container on a v2 host (measured: it clears <c>nsdelegate</c>, after
/// which a container with a private cgroupns and the host's tree bound read-write can move into the host's own
/// cgroups). And the symbolic links at the top of the tree (<c>cpu -> cpu,cpuacct</c> on a v1 host): on a host
/// whose tmpfs lacks a joined hierarchy, systemd in a container with the tree bound read-write makes them
/// (measured: <c>net_cls -> net_cls,net_prio</c>), and while they stay, later containers' systemd skips the
/// hierarchies they name, so they are part of the state every cell must start from. Two fingerprints of the same
/// host in the same state are equal whatever containers run at the time.
/// </summary>
public sealed partial record CgroupFingerprint(
    IReadOnlySet<string> Directories,
    IReadOnlyDictionary<string, string> SubtreeControl,
    IReadOnlyDictionary<string, string> MountOptions)
{
    /// <summary>The symbolic links at the top of the tree and where they point.</summary>
    public IReadOnlyDictionary<string, string> Links { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// On a v1 or hybrid host, whether the tmpfs at the top is read-only (its superblock, which every bind of it
    /// shares); null where the top is cgroup2 itself. Measured: systemd in some containers with the tree bound
    /// read-write remounts it, and while it is writable, the next such container's systemd makes mount points for
    /// the v1 hierarchies the host lacks (<c>hugetlb</c>, <c>perf_event</c>, ...), and while not, it cannot: a
    /// verdict that depended on which cell ran before, until this was part of the state put back.
    /// </summary>
    public bool? RootReadOnly { get; init; }

    /// <summary>The cgroup parent of the harness's own helper container on a VM host (a slice under the systemd driver).</summary>
    public const string AgentParent = "systemd-matrix-agent";

    /// <summary>
    /// Printed on the engine's host, as a script because that host may be a VM: <c>d PATH</c> per directory,
    /// <c>c PATH CONTROLLERS</c> per subtree_control file and <c>o PATH OPTIONS</c> per cgroup2 mount (its super
    /// options, from the reader's own mountinfo) and <c>l PATH TARGET</c> per symbolic link at the top, paths relative
    /// to <c>/sys/fs/cgroup</c> (root is <c>.</c>). Shell builtins only inside the loop: a host has hundreds of
    /// cgroups and, under emulation, a fork per file costs seconds per read (measured: 2.5 s with <c>$(cat …)</c>,
    /// 1.2 s with <c>read</c>, for a v2 VM host's 49 cgroups).
    /// </summary>
    public static string Script(string root = Root) => $$"""
        cd '{{root}}' || exit 1
        find . -type d 2>/dev/null | while IFS= read -r d; do
          echo "d $d"
          if [ -f "$d/cgroup.subtree_control" ]; then v=; { read -r v < "$d/cgroup.subtree_control"; } 2>/dev/null; echo "c $d $v"; fi
        done
        find . -maxdepth 1 -type l -printf 'l %p %l\n' 2>/dev/null
        awk -v root='{{root}}' '/ - cgroup2 / { n = split($0, half, " - "); split(half[2], f, " "); mp = $5;
          if (mp == root) rel = "."; else if (index(mp, root "/") == 1) rel = substr(mp, length(root) + 2); else next;
          print "o " rel " " f[3] }
          / - tmpfs / && $5 == root { n = split($0, half, " - "); split(half[2], f, " "); split(f[3], o, ","); print "t . " o[1] }' /proc/self/mountinfo
        """;

    /// <summary>Where the tree is mounted on every host the harness uses.</summary>
    public const string Root = "/sys/fs/cgroup";

    public static CgroupFingerprint Empty { get; } = new(new HashSet<string>(StringComparer.Ordinal), new Dictionary<string, string>(StringComparer.Ordinal), new Dictionary<string, string>(StringComparer.Ordinal));

    /// <summary>Reads the script's output, dropping what belongs to containers, the harness's helper, and the ignored subtrees.</summary>
    public static CgroupFingerprint Parse(string scriptOutput, IReadOnlyCollection<string>? ignored = null)
    {
        var directories = new HashSet<string>(StringComparer.Ordinal);
        var controls = new Dictionary<string, string>(StringComparer.Ordinal);
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        var links = new Dictionary<string, string>(StringComparer.Ordinal);
        bool? rootReadOnly = null;
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
            else if (line[0] == 't')
            {
                rootReadOnly = rest.EndsWith(" ro", StringComparison.Ordinal);
            }
            else if (line[0] == 'l')
            {
                var space = rest.IndexOf(' ', StringComparison.Ordinal);
                links[Normalise(space < 0 ? rest : rest[..space])] = space < 0 ? string.Empty : rest[(space + 1)..];
            }
            else if (line[0] == 'o')
            {
                // "o PATH rw,nsdelegate,memory_recursiveprot": whether this reader's mount is rw or ro is not the
                // hierarchy's; the rest is, compared as a set.
                var space = rest.IndexOf(' ', StringComparison.Ordinal);
                var path = Normalise(space < 0 ? rest : rest[..space]);
                options[path] = space < 0
                    ? string.Empty
                    : string.Join(' ', rest[(space + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(o => o is not ("rw" or "ro")).Order(StringComparer.Ordinal));
            }
        }

        return new CgroupFingerprint(directories, controls, options) { Links = links, RootReadOnly = rootReadOnly };
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
        var relinked = Links.Keys.Union(baseline.Links.Keys)
            .Select(path => new ControlChange(path, baseline.Links.GetValueOrDefault(path, string.Empty), Links.GetValueOrDefault(path, string.Empty)))
            .Where(c => c.Before != c.After)
            .OrderBy(c => c.Path, StringComparer.Ordinal)
            .ToList();
        return new CgroupDiff(added, removed, ValuesChanged(SubtreeControl, baseline.SubtreeControl), ValuesChanged(MountOptions, baseline.MountOptions))
        {
            Relinked = relinked,
            RootWasReadOnly = baseline.RootReadOnly,
            RootIsReadOnly = RootReadOnly,
        };
    }

    // The paths whose value differs between the two readings (subtree_control contents, or a hierarchy's options).
    private static List<ControlChange> ValuesChanged(IReadOnlyDictionary<string, string> now, IReadOnlyDictionary<string, string> before) =>
        now.Where(c => before.TryGetValue(c.Key, out var old) && old != c.Value)
            .Select(c => new ControlChange(c.Key, before[c.Key], c.Value))
            .OrderBy(c => c.Path, StringComparer.Ordinal)
            .ToList();

    private static string Normalise(string path) => path == "." ? "." : path.StartsWith("./", StringComparison.Ordinal) ? path[2..] : path;

    // A container's own cgroup: /docker/<id> (cgroupfs), docker-<id>.scope (systemd driver), or the id alone
    // under a cgroup-parent.
    [GeneratedRegex("^(docker-)?[0-9a-f]{64}(\\.scope)?$")]
    private static partial Regex ContainerCgroup();
}

/// <summary>A subtree_control file whose enabled controllers changed, or a cgroup2 hierarchy whose options did.</summary>
public sealed record ControlChange(string Path, string Before, string After);

/// <summary>
/// How a host's cgroup tree differs from its defined state: directories a container (or its engine) made or removed
/// outside any container's own subtree, and controllers it enabled or disabled.
/// </summary>
public sealed record CgroupDiff(IReadOnlyList<string> Added, IReadOnlyList<string> Removed, IReadOnlyList<ControlChange> Changed, IReadOnlyList<ControlChange> Remounted)
{
    /// <summary>Symbolic links at the top made (Before empty), removed (After empty) or pointed elsewhere.</summary>
    public IReadOnlyList<ControlChange> Relinked { get; init; } = [];

    /// <summary>Whether the tmpfs at the top was read-only in the defined state, and is now (null: the top is cgroup2).</summary>
    public bool? RootWasReadOnly { get; init; }

    public bool? RootIsReadOnly { get; init; }

    private bool RootRemounted => RootWasReadOnly is not null && RootIsReadOnly is not null && RootWasReadOnly != RootIsReadOnly;

    public bool IsEmpty => Added.Count == 0 && Removed.Count == 0 && Changed.Count == 0 && Remounted.Count == 0 && Relinked.Count == 0 && !RootRemounted;

    /// <summary>
    /// The changes that are not what the host's engine and its systemd do for any plain container: a directory that
    /// exists, or a subtree_control that reads the same, while a plain container runs (<paramref name="whilePlainRuns"/>)
    /// is the engine's doing, not the cell's. Such a value lingers after a container has gone until the host's
    /// systemd trims it, on its own schedule, so without this a failed cell would be charged for it or not by chance.
    /// </summary>
    public CgroupDiff NotDoneForAnyContainer(IReadOnlyCollection<CgroupFingerprint> whilePlainRuns) => new(
        [.. Added.Where(p => !whilePlainRuns.Any(f => f.Directories.Contains(p)))],
        Removed,
        [.. Changed.Where(c => !whilePlainRuns.Any(f => Reads(f.SubtreeControl, c)))],
        [.. Remounted.Where(o => !whilePlainRuns.Any(f => Reads(f.MountOptions, o)))])
    {
        Relinked = [.. Relinked.Where(l => !whilePlainRuns.Any(f => (f.Links.GetValueOrDefault(l.Path) ?? string.Empty) == l.After))],
        RootWasReadOnly = RootWasReadOnly,
        RootIsReadOnly = RootIsReadOnly,
    };

    private static bool Reads(IReadOnlyDictionary<string, string> reading, ControlChange change) =>
        reading.TryGetValue(change.Path, out var value) && value == change.After;

    /// <summary>One line per change, for verdicts, snapshots and error messages: <c>+ PATH</c>, <c>- PATH</c>, <c>~ PATH/cgroup.subtree_control: A -> B</c>.</summary>
    public IReadOnlyList<string> Lines() =>
    [
        .. Added.Select(p => $"+ {Display(p)}"),
        .. Removed.Select(p => $"- {Display(p)}"),
        .. Changed.Select(c => $"~ {Display(c.Path)}/cgroup.subtree_control: '{c.Before}' -> '{c.After}'"),
        .. Remounted.Select(o => $"~ {Display(o.Path)} cgroup2 options: '{o.Before}' -> '{o.After}'"),
        .. (RootRemounted ? [$"~ /sys/fs/cgroup tmpfs: '{Mode(RootWasReadOnly)}' -> '{Mode(RootIsReadOnly)}'"] : Array.Empty<string>()),
        .. Relinked.Select(l => l.Before.Length == 0 ? $"+ {Display(l.Path)} -> {l.After}" : l.After.Length == 0 ? $"- {Display(l.Path)} -> {l.Before}" : $"~ {Display(l.Path)} -> '{l.Before}' -> '{l.After}'"),
    ];

    /// <summary>
    /// A shell script (run where the tree is, with it writable) that puts the tree back: controllers switched off
    /// deepest first and directories removed deepest first, then removed directories made again and controllers
    /// switched back on shallowest first; then each cgroup2 hierarchy's options set back by mounting it once more
    /// with them (the kernel takes a mount's options as the hierarchy's when it is made in the host's cgroup
    /// namespace, so this needs CAP_SYS_ADMIN there). Prints <c>fail WHAT</c> for each step the kernel refused.
    /// </summary>
    public string RestoreScript(string root = CgroupFingerprint.Root)
    {
        var script = new StringBuilder($"cd '{root}' || exit 1\n");

        // The tmpfs at the top must be writable while links and mount points there are put back, and ends as defined.
        var topLevel = Relinked.Count > 0 || Added.Concat(Removed).Any(p => !p.Contains('/', StringComparison.Ordinal) && p != ".");
        var writableFirst = RootIsReadOnly == true && (topLevel || RootRemounted);
        if (writableFirst)
        {
            script.Append(CultureInfo($"mount -o remount,rw {Q(root)} 2>/dev/null || echo fail remount {Q(root)} rw\n"));
        }

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

        foreach (var link in Relinked)
        {
            script.Append(link.Before.Length == 0
                ? CultureInfo($"rm -f {Q(link.Path)} 2>/dev/null || echo fail rm {Q(link.Path)}\n")
                : CultureInfo($"ln -sfn {Q(link.Before)} {Q(link.Path)} 2>/dev/null || echo fail ln {Q(link.Path)}\n"));
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

        if (RootWasReadOnly == true && (writableFirst || RootRemounted))
        {
            script.Append(CultureInfo($"mount -o remount,ro {Q(root)} 2>/dev/null || echo fail remount {Q(root)} ro\n"));
        }

        foreach (var remount in Remounted)
        {
            var options = string.Join(',', Words(remount.Before));
            script.Append(CultureInfo($"d=$(mktemp -d) && mount -t cgroup2 -o {Q(options.Length == 0 ? "rw" : options)} none \"$d\" 2>/dev/null && umount \"$d\" && rmdir \"$d\" || echo fail remount {Q(remount.Path)} with {Q(options)}\n"));
        }

        return script.ToString();
    }

    private static string Mode(bool? readOnly) => readOnly == true ? "ro" : "rw";

    private static string Display(string path) => path == "." ? "/sys/fs/cgroup" : "/sys/fs/cgroup/" + path;

    private static IEnumerable<string> Words(string value) => value.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static string CultureInfo(FormattableString text) => FormattableString.Invariant(text);
}
