namespace SystemdMatrix.Boot;

/// <summary>
/// Shell scripts the harness runs in helper containers. They run on the engine's host (sandbox or VM alike), which
/// is why they are scripts and not C#: the harness may be on another machine than the cgroup tree.
/// </summary>
public static class CgroupScripts
{
    /// <summary>
    /// Run inside a container with the cell's own flags: how each cgroup mount systemd uses looks from there, and
    /// whether the container's root may write to it.
    /// </summary>
    public const string Probe = """
        for d in /sys/fs/cgroup /sys/fs/cgroup/systemd /sys/fs/cgroup/unified; do
          line=$(awk -v d="$d" '$5 == d { for (i = 7; $i != "-"; i++); split($6, o, ","); print $(i + 1) " " o[1] }' /proc/self/mountinfo | tail -n 1)
          [ -n "$line" ] || continue
          if [ -w "$d" ]; then w=writable; else w="not writable"; fi
          echo "$d: $line, owner $(stat -c %u:%g "$d"), $w by the container's root"
        done
        """;

    /// <summary>
    /// Run in a helper container in the host's pid and cgroup namespaces (and, on a remapping daemon, the host's user
    /// namespace) with the host's /sys/fs/cgroup bound read-write. $1 is the cell's init pid: every cgroup directory
    /// of that process is given to the uid and gid its user namespace maps root to.
    /// </summary>
    public const string HandOver = """
        pid=$1
        uid=$(awk '$1 == 0 { print $2 }' /proc/$pid/uid_map)
        gid=$(awk '$1 == 0 { print $2 }' /proc/$pid/gid_map)
        if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then unified=/sys/fs/cgroup; else unified=/sys/fs/cgroup/unified; fi
        while IFS=: read -r _ controllers path; do
          case "$controllers" in
            "") dir=$unified$path ;;
            name=*) dir=/sys/fs/cgroup/${controllers#name=}$path ;;
            *) dir=/sys/fs/cgroup/$controllers$path ;;
          esac
          if [ -d "$dir" ]; then chown -R "$uid:$gid" "$dir" && echo "chown -R <remapped root> $dir"; fi
        done < /proc/$pid/cgroup
        echo "remapped root is $uid:$gid" >&2
        """;
}
