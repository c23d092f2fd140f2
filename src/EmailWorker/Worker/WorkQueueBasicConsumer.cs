using RabbitMQ.Client;
using RabbitMQ.Client.Events;


namespace EmailWorker.Worker;

/// <summary>
/// The client's eventing consumer, plus a signal when the broker itself cancels it (the queue was deleted): the client
/// calls nothing else for that, and a worker whose consumer is gone would only look alive.
/// </summary>
internal sealed class WorkQueueBasicConsumer(IChannel channel, Func<string, Task> cancelledByBroker) : AsyncEventingBasicConsumer(channel)
{
    public override async Task HandleBasicCancelAsync(string consumerTag, CancellationToken cancellationToken = default)
    {
        await base.HandleBasicCancelAsync(consumerTag, cancellationToken);
        await cancelledByBroker(consumerTag);
    }
}
