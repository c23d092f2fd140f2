using System.Diagnostics;
using EmailWorker.Broker;
using EmailWorker.Configuration;
using EmailWorker.Diagnostics;
using EmailWorker.Messages;
using RabbitMQ.Client.Events;

namespace EmailWorker.Worker;

/// <summary>
/// Each delivery: registered, left waiting in its lane, handed to the handler when a slot is free and its lane's turn
/// comes, settled by its decision.
/// </summary>
internal sealed partial class WorkQueueConsumer
{
    /// <summary>
    /// Called by the client one delivery at a time, in delivery order, for every lane's consumer: registering the tag
    /// here, before any handling starts, is what lets <see cref="DeliverySettler"/> ack a run of deliveries with one
    /// multiple ack safely. It never waits: the delivery waits in its lane (bounded by the lane consumer's prefetch), so
    /// a high delivery the client has read is never held up behind a bulk one.
    /// </summary>
    private Task OnReceivedAsync(Lane lane, BasicDeliverEventArgs delivery)
    {
        _settler!.Delivered(delivery.DeliveryTag);
        // Deliveries that arrive once stopping began are left unacked, not nacked: the channel's close returns them.
        // (A nack would hand them straight back to a consumer the client recovered after a cancel failed.)
        if (Volatile.Read(ref _stopped))
            return Task.CompletedTask;
        // Converted here, once: below the consumer nothing sees the broker's types (the body is copied: the client reuses its buffer).
        _waiting.Add(lane, new PendingDelivery(delivery.DeliveryTag, DeliveredMessage.From(delivery, lane)));
        return Task.CompletedTask;
    }

    /// <summary>
    /// Waiting for a free slot is the back-pressure; the lane is chosen once a slot is free, so a high delivery that
    /// arrived while every slot was busy takes the next one.
    /// </summary>
    private async Task DispatchAsync()
    {
        var settler = _settler!;
        while (true)
        {
            PendingDelivery next;
            try
            {
                await _slots!.WaitAsync(_dispatching.Token);
                try
                {
                    (_, next) = await _waiting.TakeAsync(_dispatching.Token);
                }
                catch (OperationCanceledException)
                {
                    _slots.Release();
                    throw;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            // Counted before looking at the stop, so a drain that starts meanwhile waits for this delivery too.
            _inFlight.Enter();
            if (Volatile.Read(ref _stopped))
            {
                _slots.Release();
                _inFlight.Exit();
                continue;
            }
            _ = Task.Run(() => HandleAndSettleAsync(settler, next.DeliveryTag, next.Message));
        }
    }

    private async Task HandleAndSettleAsync(DeliverySettler settler, ulong deliveryTag, IncomingMessage incoming)
    {
        metrics.Consumed(incoming.Lane);
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
            metrics.Processed(started, errorType, incoming.Lane);
            MessageSpan.End(span, errorType);
            _slots!.Release();
            _inFlight.Exit();
        }
    }

    /// <summary>A delivery waiting in its lane: its tag for the settler and the message for the handler.</summary>
    private sealed record PendingDelivery(ulong DeliveryTag, IncomingMessage Message);
}
