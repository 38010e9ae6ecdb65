using System.Security.Cryptography;
using System.Text;

namespace SystemdMatrix.Hosts;

/// <summary>
/// The configuration the harness writes into a host image's root filesystem: how it mounts its root, gets a
/// network (slirp's DHCP), starts docker with the daemon.json the kernel command line carries, and what it leaves
/// out because a test host does not need it. Its fingerprint is part of the host image's recipe hash.
/// </summary>
public static class HostImageFiles
{
    public const string DockerPort = "2375";

    /// <summary>Units a test host has no use for; masked so the boot reaches docker sooner.</summary>
    public static IReadOnlyList<string> Masked { get; } =
    [
        "apt-daily.timer", "apt-daily-upgrade.timer", "e2scrub_all.timer", "e2scrub_reap.service", "fstrim.timer",
        "man-db.timer", "dpkg-db-backup.timer", "getty@tty1.service", "serial-getty@ttyS0.service", "systemd-timesyncd.service",
        "systemd-networkd-wait-online.service",
    ];

    public static IReadOnlyDictionary<string, string> Files(long remapUid, long remapGid) => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["etc/hostname"] = "smx-host\n",
        ["etc/hosts"] = "127.0.0.1 localhost smx-host\n",
        ["etc/fstab"] = "/dev/vda / ext4 rw,discard,errors=remount-ro 0 1\n",
        ["etc/systemd/network/10-slirp.network"] = "[Match]\nName=en*\n\n[Network]\nDHCP=yes\n",
        ["etc/subuid"] = $"dockremap:{remapUid}:65536\n",
        ["etc/subgid"] = $"dockremap:{remapGid}:65536\n",
        ["usr/local/sbin/systemd-matrix-daemon-config"] = """
            #!/bin/sh
            # Writes /etc/docker/daemon.json from the kernel command line (smx.daemon=BASE64): the harness picks the
            # daemon profile per boot, so one host image serves every profile.
            set -e
            mkdir -p /etc/docker
            config=$(sed -n 's/.*smx\.daemon=\([^ ]*\).*/\1/p' /proc/cmdline)
            if [ -n "$config" ]; then
              printf '%s' "$config" | base64 -d > /etc/docker/daemon.json
            else
              printf '{"hosts": ["fd://", "tcp://0.0.0.0:2375"]}\n' > /etc/docker/daemon.json
            fi

            """.Replace("\r", string.Empty, StringComparison.Ordinal),
        ["etc/systemd/system/systemd-matrix-daemon-config.service"] = """
            [Unit]
            Description=daemon.json from the kernel command line (SystemdMatrix)
            Before=docker.service

            [Service]
            Type=oneshot
            RemainAfterExit=yes
            ExecStart=/usr/local/sbin/systemd-matrix-daemon-config

            """,
        ["etc/systemd/system/docker.service.d/systemd-matrix.conf"] = """
            [Unit]
            Requires=systemd-matrix-daemon-config.service
            After=systemd-matrix-daemon-config.service

            [Service]
            # The hosts come from daemon.json (fd:// for the socket unit, TCP for the harness's forwarded port);
            # dockerd refuses a -H flag and a hosts list together. --tls=false says out loud that the TCP port has no
            # TLS: without it dockerd sleeps 15 s at every start to warn about it. The port is reachable only through
            # slirp's forward inside the VM's own network namespace.
            ExecStart=
            ExecStart=/usr/sbin/dockerd --containerd=/run/containerd/containerd.sock --tls=false
            # dockerd's own words reach the serial console too: when it refuses a daemon profile, the harness can
            # say why instead of waiting for an engine that will never answer.
            StandardError=journal+console

            """,
    };

    /// <summary>A hash of everything above, so a change to the guest configuration rebuilds the host images.</summary>
    public static string Fingerprint()
    {
        var text = new StringBuilder();
        foreach (var (path, content) in Files(0, 0).OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            text.Append(path).Append('\n').Append(content).Append('\n');
        }

        text.Append(string.Join(',', Masked));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }
}
