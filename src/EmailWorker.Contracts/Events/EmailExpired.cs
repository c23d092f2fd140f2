namespace EmailWorker.Contracts.Events;

/// <summary><c>expiresAt</c> passed (or the next retry would come after it): dead-lettered, not sent (again).</summary>
public sealed record EmailExpired : EmailStatusEvent;
