using EmailWorker.Broker;

namespace EmailWorker.DeadLetters.Views;

/// <summary>
/// <c>status --json</c>: every queue of the topology with its depth and consumers, and — when unacknowledged counts are
/// missing — why (<c>unackedProblem</c>); with <c>--metrics-url</c> the worker's outcome rates (<c>worker</c>).
/// </summary>
internal sealed record StatusReport(string Broker, IReadOnlyList<QueueStatus> Queues, string? UnackedProblem, WorkerRates? Worker = null);
