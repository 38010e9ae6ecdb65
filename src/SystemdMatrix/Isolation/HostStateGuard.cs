using System.Collections.Immutable;

namespace SystemdMatrix.Isolation;

/// <summary>The host's cgroup tree could not be put back into its defined state; the message names the paths.</summary>
public sealed class HostStateException(string message, IReadOnlyList<string> remaining) : Exception(message)
{
    public IReadOnlyList<string> Remaining { get; } = remaining;
}

/// <summary>
/// Keeps a host in one defined state between cells: a host in ordinary use, whose engine has run one plain container
/// (so the engine's parent cgroups exist and their controllers are enabled, as on any host that has ever run a
/// container). The fingerprint of that state is the baseline; a cell's writes are the difference from it, seen while
/// the container runs; after each cell whatever differs is put back, and if that fails the host is not used again.
/// </summary>
public sealed class HostStateGuard(ICgroupTree tree, CellGate gate) : IAsyncDisposable
{
    private readonly SemaphoreSlim _baselineGate = new(1, 1);
    private CgroupFingerprint? _baseline;
    private CgroupFingerprint? _pristine;
    private ImmutableList<CgroupFingerprint> _whilePlainRuns = [];

    public string Where => tree.Where;

    public CellGate Gate { get; } = gate;

    /// <summary>The defined state, once a warm-up has set it.</summary>
    public CgroupFingerprint? Baseline => _baseline;

    /// <summary>
    /// The host as it was before its engine ran any container (taken before the first warm-up; on a VM host, after
    /// the harness's helper started under its own parent), or null before that.
    /// </summary>
    public CgroupFingerprint? Pristine => _pristine;

    /// <summary>Whether a host that never ran a container differs from the defined state at all (else there is nothing to compare).</summary>
    public bool PristineDiffers => _pristine is not null && _baseline is not null && !_baseline.Since(_pristine).IsEmpty;

    /// <summary>
    /// Runs an engine's warm-up (a plain container) alone on the host: the state while it runs is what the engine does
    /// for any container, the state after it is gone is the baseline. Called once per engine; engines sharing a host
    /// (the sandbox engines on this machine) each add what their warm-up made.
    /// </summary>
    /// <param name="startPlainContainer">Starts a container that keeps running until the returned handle is disposed.</param>
    public async Task WarmUpAsync(Func<CancellationToken, Task<IAsyncDisposable>> startPlainContainer, CancellationToken cancellationToken)
    {
        await using var alone = await Gate.EnterAsync(alone: true, cancellationToken).ConfigureAwait(false);
        await _baselineGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_baseline is not null)
            {
                // Another engine's cells may have left the host changed: put it back before this engine adds its part.
                await RestoreLockedAsync(cancellationToken).ConfigureAwait(false);
            }

            _pristine ??= await tree.ReadAsync(cancellationToken).ConfigureAwait(false);
            await using (await startPlainContainer(cancellationToken).ConfigureAwait(false))
            {
                _whilePlainRuns = _whilePlainRuns.Add(await tree.ReadAsync(cancellationToken).ConfigureAwait(false));
            }

            _baseline = await tree.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _baselineGate.Release();
        }
    }

    /// <summary>
    /// What differs from the baseline now and is not what the engine does for any container, one line per change
    /// (empty when the host is as defined).
    /// </summary>
    public async Task<IReadOnlyList<string>> ObserveAsync(CancellationToken cancellationToken)
    {
        var baseline = _baseline ?? throw new InvalidOperationException("the host's baseline was never taken");
        return (await tree.ReadAsync(cancellationToken).ConfigureAwait(false)).Since(baseline).NotDoneForAnyContainer(_whilePlainRuns).Lines();
    }

    /// <summary>
    /// Puts the host back into its defined state (everything that differs, the engine's lingering values included, so
    /// every cell starts from the same tree); returns what had changed that the engine does not do for any container
    /// (empty when nothing had). Throws <see cref="HostStateException"/> when something cannot be put back.
    /// </summary>
    public async Task<IReadOnlyList<string>> RestoreAsync(CancellationToken cancellationToken)
    {
        await _baselineGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await RestoreLockedAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _baselineGate.Release();
        }
    }

    /// <summary>
    /// Takes the host back to before its engine ran any container (the engine's parent cgroups removed, controllers
    /// as they were), for one cell that is to show what a never-used host does; <see cref="RestoreAsync"/> then
    /// brings it back to the defined state. Only while holding the gate alone.
    /// </summary>
    public async Task MakePristineAsync(CancellationToken cancellationToken)
    {
        await _baselineGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await RestoreLockedAsync(cancellationToken, _pristine ?? throw new InvalidOperationException("the host's pristine state was never taken")).ConfigureAwait(false);
        }
        finally
        {
            _baselineGate.Release();
        }
    }

    public ValueTask DisposeAsync() => tree.DisposeAsync();

    private async Task<IReadOnlyList<string>> RestoreLockedAsync(CancellationToken cancellationToken, CgroupFingerprint? target = null)
    {
        var baseline = target ?? _baseline ?? throw new InvalidOperationException("the host's baseline was never taken");
        var diff = (await tree.ReadAsync(cancellationToken).ConfigureAwait(false)).Since(baseline);
        if (diff.IsEmpty)
        {
            return [];
        }

        var refused = await tree.RunAsync(diff.RestoreScript(), cancellationToken).ConfigureAwait(false);
        var left = (await tree.ReadAsync(cancellationToken).ConfigureAwait(false)).Since(baseline);
        // A removed container's cgroup goes when the host's systemd has stopped its scope, after the engine answered
        // the removal; until then the kernel refuses to take controllers off its parent (EBUSY). Reading the tree
        // once cost about a second through docker exec, which hid it; the attached shell answers in a third of one.
        // So the state is put back again, for up to 10 s, until it is the defined state or the host gives up.
        for (var attempt = 0; !left.IsEmpty && attempt < 20; attempt++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
            refused = await tree.RunAsync(left.RestoreScript(), cancellationToken).ConfigureAwait(false);
            left = (await tree.ReadAsync(cancellationToken).ConfigureAwait(false)).Since(baseline);
        }

        if (!left.IsEmpty)
        {
            throw new HostStateException(
                $"the cgroup tree of {tree.Where} could not be put back into its defined state; still different:\n  {string.Join("\n  ", left.Lines())}"
                + (refused.Count > 0 ? $"\nrefused: {string.Join("; ", refused)}" : string.Empty),
                left.Lines());
        }

        return diff.NotDoneForAnyContainer(_whilePlainRuns).Lines();
    }
}
