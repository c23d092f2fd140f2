using EmailWorker.Contracts;
using EmailWorker.Messages;
using EmailWorker.Outcomes;

namespace EmailWorker.Routing;

/// <summary>What is told (log event, status event) once a plan's moves are durable. A closed set.</summary>
internal abstract record Report(int Attempt)
{
    /// <summary>The relay took the mail for these recipients; the message's first attempt was at <paramref name="FirstAttemptAt"/>.</summary>
    public sealed record Delivered(int Attempt, IReadOnlyList<string> Recipients, string Reply, DateTimeOffset FirstAttemptAt) : Report(Attempt);

    /// <summary>One recipient refused for good; its dead letter follows as <see cref="DeadLettered"/>.</summary>
    public sealed record RecipientRefused(int Attempt, string Recipient, AttemptOutcome Outcome) : Report(Attempt);

    /// <summary>Sent to a retry tier for these recipients.</summary>
    public sealed record Deferred(int Attempt, AttemptOutcome Outcome, DateTimeOffset NextAttemptAt, IReadOnlyList<string> Recipients) : Report(Attempt);

    /// <summary>Dead-lettered (as rejected, expired or dead-lettered, by class).</summary>
    public sealed record DeadLettered(int Attempt, FailureRecord Failure, IReadOnlyList<ValidationError> Errors) : Report(Attempt);

    /// <summary>The delivered ledger holds a 250 for these recipients from an earlier delivery of the message: skipped.</summary>
    public sealed record DeliveredBefore(int Attempt, IReadOnlyList<string> Recipients) : Report(Attempt);

    /// <summary>
    /// The ledger holds these recipients as claimed by an attempt that never recorded its end: the relay may have the mail.
    /// Sent again, or (<paramref name="AssumedDelivered"/>) skipped.
    /// </summary>
    public sealed record InDoubt(int Attempt, IReadOnlyList<string> Recipients, bool AssumedDelivered) : Report(Attempt);

    /// <summary>The suppression list holds this recipient: not sent to, reported at once. No move names it.</summary>
    public sealed record Suppressed(int Attempt, SuppressedRecipient Recipient) : Report(Attempt);

    /// <summary>Back to the work queue for a fault that was not the message's own.</summary>
    public sealed record Returned(int Attempt, AttemptOutcome Outcome, int SystemReturns, IReadOnlyList<string> Recipients) : Report(Attempt);
}
