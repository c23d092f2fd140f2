namespace EmailWorker.Broker;

/// <summary>
/// One queue. <see cref="Ready"/> and <see cref="Consumers"/> come from the broker over AMQP at this instant;
/// <see cref="Unacked"/> (delivered to a consumer, not yet acknowledged) from the management API, which refreshes its
/// figures every few seconds, and is null when that API cannot be asked.
/// </summary>
internal sealed record QueueStatus(string Name, string Role, long? Ready, long? Unacked, long? Consumers, bool Exists);
