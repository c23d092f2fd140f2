using EmailWorker.Configuration;

namespace EmailWorker.Worker;

/// <summary>
/// Deliveries the broker has handed over, waiting per lane for a handling slot: the consumer adds each as it arrives
/// (never blocking the client's dispatch, so a high delivery is never stuck behind a bulk one on the channel) and takes
/// the next when a slot is free, in the order <see cref="LanePicker"/> decides. What waits is bounded by the prefetch of
/// each lane's consumer.
/// </summary>
internal sealed class LaneDispatcher<T> : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Queue<T>[] _waiting = [.. Lanes.All.Select(_ => new Queue<T>())];
    private readonly SemaphoreSlim _count = new(0);
    private readonly LanePicker _picker;

    public LaneDispatcher(LanePicker picker) => _picker = picker;

    public void Add(Lane lane, T item)
    {
        lock (_lock)
            _waiting[(int)lane].Enqueue(item);
        _count.Release();
    }

    /// <summary>The next delivery to handle, waiting for one when none waits; the lane's choice is made at this moment.</summary>
    public async Task<(Lane Lane, T Item)> TakeAsync(CancellationToken cancellationToken)
    {
        await _count.WaitAsync(cancellationToken);
        lock (_lock)
        {
            var lane = _picker.Pick(_waiting[(int)Lane.High].Count > 0, _waiting[(int)Lane.Normal].Count > 0, _waiting[(int)Lane.Bulk].Count > 0)
                ?? throw new InvalidOperationException("counted a delivery that no lane holds");
            return (lane, _waiting[(int)lane].Dequeue());
        }
    }

    /// <summary>How many deliveries of <paramref name="lane"/> wait for a slot.</summary>
    public int Waiting(Lane lane)
    {
        lock (_lock)
            return _waiting[(int)lane].Count;
    }

    public void Dispose() => _count.Dispose();
}
