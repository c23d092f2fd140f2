using RabbitMQ.Client;

namespace EmailWorker.Delivery;

/// <summary>One delivery from the work queue: the body exactly as published and its AMQP properties.</summary>
internal sealed record IncomingMessage(ReadOnlyMemory<byte> Body, IReadOnlyBasicProperties Properties);
