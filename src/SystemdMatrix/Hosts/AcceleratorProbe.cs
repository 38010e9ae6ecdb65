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
                _decided = await ForcedAsync(forced, File.Exists(KvmDevice), ct => KvmBootsAsync(kernel, initrd, ct), cancellationToken).ConfigureAwait(false);
                log($"VM accelerator: {_decided} (SYSTEMD_MATRIX_ACCEL{(_decided == "kvm" ? "; a test boot worked" : string.Empty)})");
                return _decided;
            }

            var bootId = File.Exists(BootIdFile) ? File.ReadAllText(BootIdFile).Trim() : null;
            if (bootId is not null && ReadRecorded(bootId) is { } recorded)
            {
                _decided = recorded;
                log($"VM accelerator: {_decided} (decided by a test boot earlier since this machine started; {RecordFile})");
                return _decided;
            }

            _decided = File.Exists(KvmDevice) && await KvmBootsAsync(kernel, initrd, cancellationToken).ConfigureAwait(false) ? "kvm" : "tcg";
            log(_decided == "kvm"
                ? "VM accelerator: kvm (a test boot worked)"
                : $"VM accelerator: tcg emulation ({(File.Exists(KvmDevice) ? "/dev/kvm did not boot a test kernel" : "no /dev/kvm")})");
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

    private const string KvmDevice = "/dev/kvm";

    /// <summary>How long the test boot may take: a working KVM panics the test kernel in about a second.</summary>
    public static readonly TimeSpan TestBootTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The accelerator the user asked for. <c>kvm</c> is checked by the same test boot the probe uses, so a machine
    /// whose KVM cannot boot (no device, or a device that boots nothing) stops at once with what to do, instead of
    /// waiting out a VM's ready timeout on a guest that never prints a line.
    /// </summary>
    internal static async Task<string> ForcedAsync(string forced, bool kvmDeviceExists, Func<CancellationToken, Task<bool>> testBoot, CancellationToken cancellationToken)
    {
        if (forced != "kvm")
        {
            return forced;
        }

        if (!kvmDeviceExists)
        {
            throw new Engines.EngineStartException($"SYSTEMD_MATRIX_ACCEL=kvm, but this machine has no {KvmDevice} (no virtualisation extensions, or the kvm module is not loaded); unset it to run VM hosts under tcg emulation");
        }

        return await testBoot(cancellationToken).ConfigureAwait(false)
            ? "kvm"
            : throw new Engines.EngineStartException(
                $"SYSTEMD_MATRIX_ACCEL=kvm, but a KVM test boot of the host kernel printed nothing within {TestBootTimeout.TotalSeconds:0} s ({KvmDevice} exists but boots nothing: nested virtualisation off, or no access to it); unset it to run VM hosts under tcg emulation, or on a GitHub runner give the runner user {KvmDevice} with the udev rule the workflow sets");
    }

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
            timeout.CancelAfter(TestBootTimeout);
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
