using EmailWorker.DeadLetters.Views;

namespace EmailWorker.Cli.Status;

/// <summary>
/// <c>status --json</c>: every queue of the topology with its depth and consumers, and — when unacknowledged counts are
/// missing — why (<c>unackedProblem</c>); with <c>--metrics-url</c> the worker's outcome rates (<c>worker</c>).
/// </summary>
internal sealed record StatusReport(string Broker, IReadOnlyList<QueueStatus> Queues, string? UnackedProblem, WorkerRates? Worker = null);

/// <summary>
/// One queue. <see cref="Ready"/> and <see cref="Consumers"/> come from the broker over AMQP at this instant;
/// <see cref="Unacked"/> (delivered to a consumer, not yet acknowledged) from the management API, which refreshes its
/// figures every few seconds, and is null when that API cannot be asked.
/// </summary>
internal sealed record QueueStatus(string Name, string Role, long? Ready, long? Unacked, long? Consumers, bool Exists);
