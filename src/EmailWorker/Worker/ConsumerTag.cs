namespace EmailWorker.Worker;

/// <summary>
/// The tag of the work queue's one consumer, kept in step with the channel. Consuming and cancelling take turns (one gate),
/// and the tag is set only by a consume that succeeded and cleared by every cancel, one that failed included: by the time
/// a cancel fails (channel closed, RPC timed out) the client has forgotten the consumer, so its recovery will not restore
/// it, and a tag left set would make every later consume do nothing — paused for good while readiness says Healthy.
/// The channel operations come in as delegates so that this bookkeeping can be tested without a broker.
/// </summary>
internal sealed class ConsumerTag(Func<Task<string>> consume, Func<string, Task> cancel) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private string? _tag;

    public bool IsConsuming => Volatile.Read(ref _tag) is not null;

    /// <summary>
    /// Issues a consume unless a consumer is on already or <paramref name="mayConsume"/> (read under the gate) says no.
    /// Returns whether a consumer was registered; a consume that throws leaves no tag and the exception goes to the caller.
    /// </summary>
    public async Task<bool> ConsumeAsync(Func<bool> mayConsume)
    {
        await _gate.WaitAsync();
        try
        {
            if (_tag is not null || !mayConsume())
                return false;
            Volatile.Write(ref _tag, await consume());
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Cancels the consumer if there is one and <paramref name="mayCancel"/> (run under the gate, whether or not there is a
    /// tag) says so; the tag is cleared either way. No token is passed to the cancel, so any exception from it — a
    /// <see cref="TaskCanceledException"/> from an RPC that timed out as well — is a failure and goes to the caller.
    /// Returns whether a cancel was issued and succeeded.
    /// </summary>
    public async Task<bool> CancelAsync(Func<bool>? mayCancel = null)
    {
        await _gate.WaitAsync();
        try
        {
            var tag = _tag;
            if (!(mayCancel?.Invoke() ?? true) || tag is null)
                return false;
            await cancel(tag);
            return true;
        }
        finally
        {
            Volatile.Write(ref _tag, null);
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}
