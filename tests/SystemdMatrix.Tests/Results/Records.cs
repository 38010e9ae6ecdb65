using SystemdMatrix.Model;
using SystemdMatrix.Results;
using SystemdMatrix.Runs;

namespace SystemdMatrix.Tests.Results;

/// <summary>Cell records as a run would write them, for tests of what reads them.</summary>
internal static class Records
{
    public static HostIdentity Sandbox(string engine = "20.10.24+dfsg1") =>
        new(HostKind.Sandbox, engine, HostCgroupMode.Hybrid, CgroupDriver.Cgroupfs, false, "6.1") { ApiVersion = "1.41", Init = "process_api" };

    public static HostIdentity Vm(string release, string engine, HostCgroupMode mode) =>
        new(HostKind.Vm, engine, mode, CgroupDriver.Cgroupfs, false, "6.1") { ApiVersion = "1.41", Release = release, Init = "systemd", SystemdInit = true, Accelerator = "tcg" };

    /// <summary>A record of the cell <paramref name="cellId"/> (IMAGE/DAEMON/RUN-KEY, or HOST/IMAGE/DAEMON/RUN-KEY).</summary>
    public static CellRecord Of(
        string cellId,
        Verdict verdict,
        HostIdentity? host = null,
        RunProfile? run = null,
        IReadOnlyList<string>? aliases = null,
        string image = "debian-bookworm",
        string? systemd = "252",
        string recipe = "recipe1",
        string daemon = "default",
        HostSpec? hostSpec = null,
        double seconds = 0.5)
    {
        var spec = hostSpec ?? HostSpec.Sandbox;
        var booted = verdict.Kind is VerdictKind.Booted or VerdictKind.Failed;
        return new CellRecord(
            new CellKey(cellId, spec, image, DaemonProfile.Default with { Name = daemon }, run ?? RunProfile.Default, aliases ?? []),
            host ?? Sandbox(),
            new ImageRecord(image, systemd is null ? null : "smx/" + image + ":t", systemd is null ? null : recipe, systemd),
            verdict,
            booted ? DecisionStage.Booted : DecisionStage.NotApplicableOnHost,
            new CellTiming(booted ? seconds : 0, booted ? 1 : 0),
            ["docker", "run", "-it", "smx/" + image + ":t"],
            DateTimeOffset.UtcNow)
        {
            Log = booted ? "log" : null,
        };
    }
}
