namespace SystemdMatrix.Isolation;

/// <summary>
/// Who may run on a host at once: any number of cells that cannot write the host's cgroup tree (up to the capacity),
/// or one cell that can, alone. A cell that writes takes every slot, so it starts only once the cells before it
/// have finished and nothing starts beside it.
/// </summary>
public sealed class CellGate(int capacity = CellGate.DefaultCapacity)
{
    /// <summary>More than any engine's cell parallelism: shared cells never wait for each other here.</summary>
    public const int DefaultCapacity = 64;

    private readonly SemaphoreSlim _slots = new(capacity, capacity);
    private readonly SemaphoreSlim _exclusive = new(1, 1);

    public async Task<IAsyncDisposable> EnterAsync(bool alone, CancellationToken cancellationToken)
    {
        if (!alone)
        {
            await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            return new Release(this, 1);
        }

        // One cell at a time gathers slots, so two such cells never hold half of them each.
        await _exclusive.WaitAsync(cancellationToken).ConfigureAwait(false);
        var taken = 0;
        try
        {
            for (; taken < capacity; taken++)
            {
                await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            if (taken > 0)
            {
                _slots.Release(taken);
            }

            throw;
        }
        finally
        {
            _exclusive.Release();
        }

        return new Release(this, capacity);
    }

    private sealed class Release(CellGate gate, int count) : IAsyncDisposable
    {
        private int _released;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate._slots.Release(count);
            }

            return ValueTask.CompletedTask;
        }
    }
}
