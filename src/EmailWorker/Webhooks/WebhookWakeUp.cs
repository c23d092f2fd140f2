namespace EmailWorker.Webhooks;

/// <summary>
/// Lets the outbox writer tell the dispatcher in this process that new rows are committed, so they go out at once instead
/// of at the next poll (rows another worker wrote are found by the poll).
/// </summary>
internal sealed class WebhookWakeUp : IDisposable
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Signal()
    {
        try
        {
            if (_signal.CurrentCount == 0)
                _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Signalled already by a writer at the same moment.
        }
    }

    /// <summary>Waits for a signal or the timeout, whichever comes first.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);

    public void Dispose() => _signal.Dispose();
}
