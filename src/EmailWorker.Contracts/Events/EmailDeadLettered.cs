namespace EmailWorker.Contracts.Events;

/// <summary>Refused for good or out of retries: the message is in the dead-letter queue with its failure record.</summary>
public sealed record EmailDeadLettered : EmailStatusEvent;
