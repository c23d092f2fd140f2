using System.Runtime.ExceptionServices;
using EmailWorker.Configuration;
using EmailWorker.Diagnostics;
using RabbitMQ.Client;

namespace EmailWorker.Worker;

/// <summary>Pausing and resuming consumption: the relays' breakers, the broker blocking publishers, the channel closed or the consumer cancelled by the broker.</summary>
internal sealed partial class WorkQueueConsumer
{
    /// <summary>
    /// Connection losses are healed by the client's recovery; a channel the broker itself closed (consumer timeout, queue
    /// deleted) is not, and a worker without it would only look alive.
    /// </summary>
    private Task OnChannelShutdownAsync(object sender, RabbitMQ.Client.Events.ShutdownEventArgs reason)
    {
        if (!Volatile.Read(ref _stopped) && reason.Initiator == ShutdownInitiator.Peer && reason.ReplyCode != Constants.ConnectionForced)
        {
            Log.ConsumerChannelClosed(logger, string.Join(", ", Lanes.NormalFirst.Select(names.WorkFor)), reason.ReplyCode, reason.ReplyText);
            fatalStop.Request($"the broker closed the consumer channel: {reason.ReplyCode} {reason.ReplyText}");
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Every lane's consumer is cancelled; a cancel that fails still clears its tag (see <see cref="ConsumerTag"/>), so the
    /// next resume consumes, and the other lanes are cancelled all the same.
    /// </summary>
    private Task PauseAsync() => EveryLaneAsync(async (lane, consumerTag) =>
    {
        if (await consumerTag.CancelAsync())
            Log.ConsumptionPaused(logger, names.WorkFor(lane));
    });

    /// <summary>
    /// Consumes again once nothing holds consumption paused. A consume that fails (the connection is recovering) is tried
    /// again with growing pauses; a worker that still cannot consume stops non-zero so its supervisor restarts it, rather
    /// than staying paused for good while it looks healthy.
    /// </summary>
    private async Task ResumeAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await ConsumeAsync();
                return;
            }
            // No token is passed in: an OperationCanceledException here is an RPC that timed out, tried again like any failure.
            catch (Exception ex) when (!Volatile.Read(ref _stopped))
            {
                Log.ResumeFailed(logger, string.Join(", ", NotConsumed), attempt, ex.Message);
                if (attempt == ResumeAttempts)
                {
                    fatalStop.Request($"could not consume {string.Join(", ", NotConsumed)} again: {ex.Message}");
                    return;
                }
            }
            await Task.Delay(TimeSpan.FromSeconds(2 * attempt));
        }
    }

    /// <summary>Consumes every lane that has no consumer; a lane whose consume fails throws after the others were tried, and the resume tries it again.</summary>
    private Task ConsumeAsync() => EveryLaneAsync(async (lane, consumerTag) =>
    {
        // The breakers may all have opened again since one raised Closed: consuming now would only cycle messages.
        if (await consumerTag.ConsumeAsync(() => !Volatile.Read(ref _stopped) && !relays.AllDown && !Volatile.Read(ref _brokerBlocked)))
            Log.ConsumptionResumed(logger, names.WorkFor(lane));
    });

    /// <summary>
    /// <paramref name="action"/> on every lane's consumer (none before the channel is open): one that throws does not
    /// keep the others from theirs, and the first failure is thrown at the end.
    /// </summary>
    private async Task EveryLaneAsync(Func<Lane, ConsumerTag, Task> action)
    {
        if (Volatile.Read(ref _consumerTags) is not { } tags)
            return;
        Exception? failed = null;
        foreach (var lane in Lanes.All)
        {
            try
            {
                await action(lane, tags[(int)lane]);
            }
            catch (Exception ex)
            {
                failed ??= ex;
            }
        }
        if (failed is not null)
            ExceptionDispatchInfo.Throw(failed);
    }

    private WorkQueueBasicConsumer NewConsumer(IChannel channel, Lane lane)
    {
        var consumer = new WorkQueueBasicConsumer(channel, _ => OnCancelledByBrokerAsync(lane));
        consumer.ReceivedAsync += (_, delivery) => OnReceivedAsync(lane, delivery);
        return consumer;
    }

    private Task OnCancelledByBrokerAsync(Lane lane)
    {
        if (!Volatile.Read(ref _stopped))
        {
            Log.ConsumerCancelledByBroker(logger, names.WorkFor(lane));
            fatalStop.Request($"the broker cancelled the consumer of {names.WorkFor(lane)} (was the queue deleted?)");
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// The broker blocks this process's publishing connection (memory or disk alarm): no move can be confirmed until it
    /// unblocks, so taking more messages would only pile up sent-but-unrecorded ones. In-flight moves keep waiting.
    /// </summary>
    private async Task OnBlockedAsync(object sender, RabbitMQ.Client.Events.ConnectionBlockedEventArgs blocked)
    {
        Log.BrokerBlocked(logger, blocked.Reason);
        Volatile.Write(ref _brokerBlocked, true);
        await PauseAsync();
    }

    private async Task OnUnblockedAsync(object sender, RabbitMQ.Client.Events.AsyncEventArgs unblocked)
    {
        Log.BrokerUnblocked(logger);
        Volatile.Write(ref _brokerBlocked, false);
        await ResumeAsync();
    }

    /// <summary>
    /// A recovered connection is a new one, unblocked until the broker says otherwise (it blocks it again if its alarm is
    /// still on). The broker never says "unblocked" for the connection it blocked before the node restarted: without
    /// this, consumption would stay paused for good.
    /// </summary>
    private async Task OnPublishingRecoveredAsync(object sender, RabbitMQ.Client.Events.AsyncEventArgs recovered)
    {
        if (!Volatile.Read(ref _brokerBlocked))
            return;
        Log.BrokerBlockEndedByRecovery(logger);
        Volatile.Write(ref _brokerBlocked, false);
        await ResumeAsync();
    }
}
