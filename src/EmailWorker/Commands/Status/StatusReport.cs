namespace EmailWorker.Commands.Status;

/// <summary><c>status --json</c>: every queue of the topology with its depth and consumers.</summary>
internal sealed record StatusReport(string Broker, IReadOnlyList<QueueStatus> Queues);

/// <summary>
/// One queue. <see cref="Ready"/> and <see cref="Consumers"/> come from the broker over AMQP at this instant; messages
/// handed to a consumer and not yet acked are not counted by AMQP (the management API would be needed for them).
/// </summary>
internal sealed record QueueStatus(string Name, string Role, long? Ready, long? Consumers, bool Exists);
