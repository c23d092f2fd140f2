namespace EmailWorker.Contracts.Events;

/// <summary>
/// What every status event on the <c>email.events</c> topic exchange carries (routing key <c>email.&lt;outcome&gt;</c>).
/// Producers bind a queue to it to learn the fate of the messages they sent.
/// </summary>
public abstract record EmailStatusEvent
{
    public string MessageId { get; init; } = "";

    public string? CorrelationId { get; init; }

    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    /// <summary>Attempts made so far, this one included (0 when the message was never tried, e.g. rejected).</summary>
    public int Attempt { get; init; }

    /// <summary><c>delivered</c>, <c>deferred</c>, <c>dead-lettered</c>, <c>rejected</c>, <c>expired</c>, <c>replayed</c>, <c>in_doubt</c> or <c>suppressed</c>.</summary>
    public string Outcome { get; init; } = "";

    /// <summary>The outcome class: delivered, transient, permanent, invalid, expired.</summary>
    public string Class { get; init; } = "";

    public int? SmtpCode { get; init; }

    public string? EnhancedCode { get; init; }

    /// <summary>The relay's reply text, or what went wrong.</summary>
    public string? Message { get; init; }

    public DateTimeOffset Timestamp { get; init; }
}
