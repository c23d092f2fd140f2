namespace EmailWorker.Contracts.Events;

/// <summary>The command itself was invalid (not JSON, failed validation, too large): dead-lettered, never sent.</summary>
public sealed record EmailRejected : EmailStatusEvent
{
    public IReadOnlyList<ValidationError> Errors { get; init; } = [];
}
