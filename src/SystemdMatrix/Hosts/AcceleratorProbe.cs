using System.Diagnostics;
using SystemdMatrix.Processes;

namespace SystemdMatrix.Hosts;

/// <summary>
/// KVM when a test boot proves it works, TCG emulation otherwise. The test boot starts the host kernel with an init
/// that fails at once: a working accelerator prints the kernel's banner and panics within seconds; a broken one (as on
/// the machines this project is built on, where /dev/kvm exists but boots nothing) prints nothing. Decided once per
/// process and remembered until the machine restarts; <c>SYSTEMD_MATRIX_ACCEL=kvm|tcg</c> decides instead.
/// </summary>
public static class AcceleratorProbe
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _decided;

    public static async Task<string> DecideAsync(string kernel, string initrd, Action<string> log, CancellationToken cancellationToken)
    {
        await Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_decided is not null)
            {
                return _decided;
            }

            if (Settings.HarnessSettings.Current.Accelerator is { } forced)
            {
                _decided = forced;
                log($"VM accelerator: {_decided} (SYSTEMD_MATRIX_ACCEL)");
                return _decided;
            }

            var bootId = File.Exists(BootIdFile) ? File.ReadAllText(BootIdFile).Trim() : null;
            if (bootId is not null && ReadRecorded(bootId) is { } recorded)
            {
                _decided = recorded;
                log($"VM accelerator: {_decided} (decided by a test boot earlier since this machine started; {RecordFile})");
                return _decided;
            }

            _decided = File.Exists("/dev/kvm") && await KvmBootsAsync(kernel, initrd, cancellationToken).ConfigureAwait(false) ? "kvm" : "tcg";
            log(_decided == "kvm"
                ? "VM accelerator: kvm (a test boot worked)"
                : $"VM accelerator: tcg emulation ({(File.Exists("/dev/kvm") ? "/dev/kvm did not boot a test kernel" : "no /dev/kvm")})");
            if (bootId is not null)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(RecordFile)!);
                File.WriteAllText(RecordFile, $"{bootId} {_decided}\n");
            }

            return _decided;
        }
        finally
        {
            Gate.Release();
        }
    }

    private const string BootIdFile = "/proc/sys/kernel/random/boot_id";

    /// <summary>
    /// The test boot's answer, kept until the machine restarts (a new boot id): whether KVM works does not change while
    /// it runs, and the probe costs 10 seconds when it does not.
    /// </summary>
    public static string RecordFile => Settings.HarnessSettings.Current.AcceleratorRecord;

    internal static string? ReadRecorded(string bootId)
    {
        if (!File.Exists(RecordFile))
        {
            return null;
        }

        var fields = File.ReadAllText(RecordFile).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return fields.Length == 2 && fields[0] == bootId && fields[1] is "kvm" or "tcg" ? fields[1] : null;
    }

    private static async Task<bool> KvmBootsAsync(string kernel, string initrd, CancellationToken cancellationToken)
    {
        var serial = Path.Combine(Path.GetTempPath(), $"smx-kvm-probe-{Environment.ProcessId}.log");
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            var watch = Stopwatch.StartNew();
            try
            {
                await ProcessRunner.RunAsync(
                    "qemu-system-x86_64",
                    [
                        "-machine", "q35,accel=kvm", "-cpu", "host", "-m", "256", "-kernel", kernel, "-initrd", initrd,
                        "-append", "console=ttyS0 panic=-1 rdinit=/bin/false", "-display", "none", "-serial", $"file:{serial}",
                        "-monitor", "none", "-no-reboot",
                    ],
                    cancellationToken: timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return false;
            }

            return File.Exists(serial) && File.ReadAllText(serial).Contains("Kernel panic", StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(serial);
        }
    }
}
