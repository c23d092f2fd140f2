namespace EmailWorker.Messages;

/// <summary>
/// The AMQP application headers EmailWorker owns (DESIGN §4), one name per fact. Only <see cref="HeaderCodec"/> reads and
/// writes them.
/// </summary>
internal static class HeaderNames
{
    // Attempt state: travels with the message through the work queue, the retry tiers and the dead-letter queue.
    public const string Attempt = "email-attempt";
    public const string FirstAttemptAt = "email-first-attempt-at";
    public const string History = "email-history";
    public const string RetryDelay = "email-retry-delay";
    public const string RemainingRecipients = "email-remaining-recipients";
    public const string SystemReturns = "email-system-returns";

    // The lane the message was served in, when not normal: written on every move, read when a dead letter is replayed.
    public const string Lane = "email-lane";

    // Replay: written by `dlq replay`.
    public const string ReplayCount = "email-replay-count";
    public const string ReplayedAt = "email-replayed-at";
    public const string ReplayedBy = "email-replayed-by";

    // The producer's expiration and user-id: a republish cannot carry them as properties (the expiration would make the
    // dead letter or the retry copy expire, the broker refuses a user-id that is not the worker's own user), so every
    // move and replay keeps them here, and the store shows them as the letter's properties.
    public const string OriginalExpiration = "email-original-expiration";
    public const string OriginalUserId = "email-original-user-id";

    // The failure record: only on dead letters.
    public const string FailureClass = "email-failure-class";
    public const string FailureReason = "email-failure-reason";
    public const string SmtpCode = "email-smtp-code";
    public const string SmtpEnhancedCode = "email-smtp-enhanced-code";
    public const string FirstFailureAt = "email-first-failure-at";
    public const string LastFailureAt = "email-last-failure-at";

    /// <summary>What the broker writes when it dead-letters a message itself (x-death and friends).</summary>
    public const string BrokerFirstDeathReason = "x-first-death-reason";

    /// <summary>The queue the broker first dead-lettered the message from (its delivery limit: the lane's work queue).</summary>
    public const string BrokerFirstDeathQueue = "x-first-death-queue";


    /// <summary>
    /// Headers a client or the broker adds on each publish or delivery, not part of what the producer sent: two copies of
    /// one dead letter (a move republished after a channel loss, a redelivery) differ in them alone.
    /// </summary>
    public static bool IsTransportHeader(string name) =>
        name is "x-delivery-count" or "x-dotnet-pub-seq-no" or "traceparent" or "tracestate";

    /// <summary>Broker headers that must not travel on: the broker's cycle detection can silently drop a republished message.</summary>
    public static bool IsBrokerDeathHeader(string name) =>
        name is "x-death" or "x-delivery-count" or "x-dotnet-pub-seq-no"
        || name.StartsWith("x-first-death-", StringComparison.Ordinal)
        || name.StartsWith("x-last-death-", StringComparison.Ordinal);
}
