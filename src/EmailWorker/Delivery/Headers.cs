namespace EmailWorker.Delivery;

/// <summary>The AMQP application headers EmailWorker owns (DESIGN §4).</summary>
internal static class Headers
{
    public const string Attempt = "email-attempt";
    public const string FirstAttemptAt = "email-first-attempt-at";
    public const string History = "email-history";
    public const string RetryTier = "email-retry-tier";
    public const string RemainingRecipients = "email-remaining-recipients";
    public const string ReplayCount = "email-replay-count";

    public const string FailureClass = "email-failure-class";
    public const string FailureReason = "email-failure-reason";
    public const string SmtpCode = "email-smtp-code";
    public const string SmtpEnhancedCode = "email-smtp-enhanced-code";
    public const string SmtpReply = "email-smtp-reply";
    public const string Attempts = "email-attempts";
    public const string FirstFailureAt = "email-first-failure-at";
    public const string LastFailureAt = "email-last-failure-at";

    /// <summary>Broker headers that must not travel on: the broker's cycle detection can silently drop a republished message.</summary>
    public static bool IsBrokerDeathHeader(string name) =>
        name is "x-death" or "x-delivery-count" or "x-dotnet-pub-seq-no"
        || name.StartsWith("x-first-death-", StringComparison.Ordinal)
        || name.StartsWith("x-last-death-", StringComparison.Ordinal);
}
