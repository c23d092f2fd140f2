namespace EmailWorker.Worker;

/// <summary>Counts deliveries being handled, so shutdown can wait until the last one has been acked or requeued.</summary>
internal sealed class InFlightCounter
{
    private readonly object _lock = new();
    private int _count;
    private TaskCompletionSource _drained = NewDrained(completed: true);

    /// <summary>Deliveries being handled now (the in-flight gauge).</summary>
    public int Count => Volatile.Read(ref _count);

    public void Enter()
    {
        lock (_lock)
        {
            if (_count++ == 0)
                _drained = NewDrained(completed: false);
        }
    }

    public void Exit()
    {
        lock (_lock)
        {
            if (--_count == 0)
                _drained.TrySetResult();
        }
    }

    public Task WaitDrainedAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
            return _drained.Task.WaitAsync(cancellationToken);
    }

    private static TaskCompletionSource NewDrained(bool completed)
    {
        var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (completed)
            source.SetResult();
        return source;
    }
}
