using Microsoft.Extensions.Logging;

namespace EmailWorker.Broker;

/// <summary>
/// The publishers of an operator's run (a replay job) on the operator's connection: the confirmed publisher and the one
/// <see cref="MessageMover"/> for the letters, and the one <see cref="StatusEventPublisher"/> for their status events, running
/// until disposed. Made by the front ends' composition (the <c>dlq</c> commands, the dashboard's services), not by the job.
/// </summary>
internal sealed class OperatorPublishing : IAsyncDisposable
{
    private readonly ConfirmedPublisher _publisher;

    private OperatorPublishing(ConfirmedPublisher publisher, MessageMover mover, StatusEventPublisher events)
    {
        _publisher = publisher;
        Mover = mover;
        Events = events;
    }

    public MessageMover Mover { get; }

    public StatusEventPublisher Events { get; }

    public static async Task<OperatorPublishing> StartAsync(OperatorContext context, ILogger<StatusEventPublisher> logger)
    {
        var publisher = new ConfirmedPublisher(context.ConnectAsync);
        var events = new StatusEventPublisher(context.ConnectAsync, context.Names.Events, logger);
        await events.StartAsync(CancellationToken.None);
        return new OperatorPublishing(publisher, new MessageMover(publisher, context.Names), events);
    }

    /// <summary>Publishes the events still queued (each within its own timeout), then closes the channels.</summary>
    public async ValueTask DisposeAsync()
    {
        await Events.StopAsync(CancellationToken.None);
        Events.Dispose();
        await _publisher.DisposeAsync();
    }
}
