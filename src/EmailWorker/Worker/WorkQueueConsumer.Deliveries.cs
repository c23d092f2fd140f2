using System.Diagnostics;
using EmailWorker.Broker;
using EmailWorker.Diagnostics;
using EmailWorker.Messages;
using RabbitMQ.Client.Events;

namespace EmailWorker.Worker;

/// <summary>Each delivery: counted, handed to the handler within the concurrency limit, settled by its decision.</summary>
internal sealed partial class WorkQueueConsumer
{
    /// <summary>
    /// Called by the client one delivery at a time, in delivery order: registering the tag here, before any handling
    /// starts, is what lets <see cref="DeliverySettler"/> ack a run of deliveries with one multiple ack safely.
    /// Waiting for a free handling slot is the back-pressure; the prefetch bounds what the client buffers meanwhile.
    /// </summary>
    private async Task OnReceivedAsync(object sender, BasicDeliverEventArgs delivery)
    {
        var settler = _settler!;
        settler.Delivered(delivery.DeliveryTag);
        // Counted before waiting for a slot, so a drain that starts meanwhile waits for this delivery too.
        _inFlight.Enter();
        var handed = false;
        try
        {
            // Deliveries that arrive once stopping began are left unacked, not nacked: the channel's close returns them.
            // (A nack would hand them straight back to a consumer the client recovered after a cancel failed.)
            if (Volatile.Read(ref _stopped))
                return;
            await _slots!.WaitAsync(CancellationToken.None);
            if (Volatile.Read(ref _stopped))
            {
                _slots.Release();
                return;
            }
            // Converted here, once: below the consumer nothing sees the broker's types (the body is copied: the client reuses its buffer).
            var incoming = DeliveredMessage.From(delivery);
            handed = true;
            _ = Task.Run(() => HandleAndSettleAsync(settler, delivery.DeliveryTag, incoming));
        }
        finally
        {
            if (!handed)
                _inFlight.Exit();
        }
    }

    private async Task HandleAndSettleAsync(DeliverySettler settler, ulong deliveryTag, IncomingMessage incoming)
    {
        metrics.Consumed();
        var started = Stopwatch.GetTimestamp();
        using var span = messageSpan.Start(incoming);
        string? errorType = null;
        try
        {
            bool ack;
            try
            {
                ack = await handler.HandleAsync(incoming, _stopping.Token);
            }
            catch (OperationCanceledException)
            {
                ack = false;
            }
            catch (Exception ex)
            {
                // A bug must not lose the message: requeue it; the work queue's delivery limit stops a poison loop.
                // (The handler logs its own failures naming the message; this is what escaped before it could be read.)
                Log.HandlerFailed(logger, SafeText.Bound(incoming.MessageId ?? "(unread)", 200), ex);
                errorType = ex.GetType().Name;
                ack = false;
            }
            // Given back without a recorded outcome: the broker redelivers it, so this handling did not succeed.
            errorType ??= ack ? null : MessageSpan.Requeued;
            // Settle even while stopping: an ack or a requeue must reach the broker before the channel closes.
            if (ack)
                settler.Ack(deliveryTag);
            else
                await settler.RequeueAsync(deliveryTag);
        }
        finally
        {
            metrics.Processed(started, errorType);
            MessageSpan.End(span, errorType);
            _slots!.Release();
            _inFlight.Exit();
        }
    }
}
