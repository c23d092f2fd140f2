using RabbitMQ.Client;


namespace EmailWorker.Broker;

/// <summary>One message as it came from a queue: the body exactly as published and its AMQP properties.</summary>
internal sealed record IncomingMessage(ReadOnlyMemory<byte> Body, IReadOnlyBasicProperties Properties)
{
    public IDictionary<string, object?>? Headers => Properties.Headers;
}
