using SystemdMatrix.Engines;
using SystemdMatrix.Processes;

namespace SystemdMatrix.Hosts;

/// <summary>Finds VMs whose owner is gone and removes them; VMs of a run that is still going are left alone.</summary>
public static class VmReaper
{
    public static Task<List<ReapedEngine>> ReapAsync(CancellationToken cancellationToken = default) =>
        new OwnedFolders<VmRecord>(VmPaths.DefaultStateRoot, VmPaths.DefaultDataRoot, VmPaths.IdPrefix, VmRecord.FileName).ReapAsync(
            (id, record) => VmTeardown.TeardownAsync(record?.Paths ?? VmPaths.For(id), graceful: false, cancellationToken),
            // The machine rebooted, so /run is empty, and the namespace is gone too.
            "disk left without a running VM");
}
