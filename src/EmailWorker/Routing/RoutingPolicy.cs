using EmailWorker.Configuration;

namespace EmailWorker.Routing;

/// <summary>The settings the planner decides by: plain values, so the planner stays a pure function.</summary>
/// <param name="Retry">The retry steps by cause and the jitter over tier queues.</param>
/// <param name="MaxSystemReturns">Returns to the work queue for faults not the message's own before it is dead-lettered as system.</param>
/// <param name="Worker">This worker's name in the history entries.</param>
internal sealed record RoutingPolicy(RetrySchedules Retry, int MaxSystemReturns, string Worker);
