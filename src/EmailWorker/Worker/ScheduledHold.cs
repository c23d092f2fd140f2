using EmailWorker.Configuration;
using EmailWorker.Diagnostics;
using EmailWorker.Messages;
using EmailWorker.Scheduling;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailWorker.Worker;

/// <summary>
/// The handler's side of scheduled send: judges a message's <c>sendAt</c> (<see cref="SendAtRule"/>), holds one due later
/// in the store (the source is acked only once that committed) or waits in memory for one due within
/// <c>Scheduled:WaitInMemory</c>. <see cref="ScheduledReleaser"/> publishes held ones when due.
/// </summary>
internal sealed class ScheduledHold(IScheduledStoreSource stores, IOptions<ScheduledOptions> options, TimeProvider time, ILogger<ScheduledHold> logger)
{
    /// <summary>How long a handler waits for the store's commit before the message goes back to the work queue.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>The pause before a message the store could not take goes back to the work queue: no tight loop while it is down.</summary>
    private static readonly TimeSpan FailedPause = TimeSpan.FromSeconds(1);

    public SendAtRule Rule { get; } = new(options.Value.HorizonValue, options.Value.WaitInMemoryValue);

    /// <summary>True once the message is durably held (or was held before: a redelivery or a duplicate); false when the store failed.</summary>
    public async Task<bool> HoldAsync(IncomingMessage incoming, string messageId, DateTimeOffset sendAt, CancellationToken stopping)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            timeout.CancelAfter(Timeout);
            var store = await stores.GetAsync(timeout.Token);
            if (await store.HoldAsync(new HeldMessage(messageId, sendAt, time.GetUtcNow(), WithLane(incoming)), timeout.Token))
                Log.ScheduledHeld(logger, messageId, sendAt);
            else
                Log.ScheduledKnown(logger, messageId);
            return true;
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && stopping.IsCancellationRequested))
        {
            Log.ScheduledHoldFailed(logger, messageId, ex.Message);
            await PauseAsync(FailedPause, stopping);
            return false;
        }
    }

    /// <summary>
    /// The message as it is held: with the lane it came from in <see cref="HeaderNames.Lane"/>, so that its release goes
    /// back to that lane (<see cref="Broker.MessageMover.ReleaseAsync"/>); a message of the normal lane is kept as it came.
    /// </summary>
    private static IncomingMessage WithLane(IncomingMessage incoming) => incoming.Lane == Lane.Normal
        ? incoming
        : incoming with { Headers = new Dictionary<string, object?>(incoming.Headers ?? new Dictionary<string, object?>(), StringComparer.Ordinal) { [HeaderNames.Lane] = incoming.Lane.Name() } };

    /// <summary>Waits until <paramref name="sendAt"/>; false when the host stopped first.</summary>
    public async Task<bool> WaitUntilAsync(DateTimeOffset sendAt, CancellationToken stopping)
    {
        var left = sendAt - time.GetUtcNow();
        return left <= TimeSpan.Zero || await PauseAsync(left, stopping);
    }

    private async Task<bool> PauseAsync(TimeSpan pause, CancellationToken stopping)
    {
        try
        {
            await Task.Delay(pause, time, stopping);
            return true;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return false;
        }
    }
}
