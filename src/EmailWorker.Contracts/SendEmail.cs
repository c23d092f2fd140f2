namespace EmailWorker.Contracts;

/// <summary>
/// The command "send this email", as published to the <c>email.send</c> exchange (DESIGN §2).
/// Field names on the wire are camelCase; unknown fields are ignored.
/// </summary>
public sealed record SendEmail
{
    /// <summary>Idempotency key; the sent mail's Message-ID is derived from it.</summary>
    public string MessageId { get; init; } = "";

    public EmailAddress? From { get; init; }

    public IReadOnlyList<EmailAddress> To { get; init; } = [];

    public IReadOnlyList<EmailAddress> Cc { get; init; } = [];

    public IReadOnlyList<EmailAddress> Bcc { get; init; } = [];

    public IReadOnlyList<EmailAddress> ReplyTo { get; init; } = [];

    public string? Subject { get; init; }

    public string? Text { get; init; }

    public string? Html { get; init; }

    /// <summary>Custom headers; only names starting with <c>X-</c> are allowed.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<EmailAttachment> Attachments { get; init; } = [];

    /// <summary>Free-form labels echoed in status events and the failure record.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    public string? CorrelationId { get; init; }

    /// <summary>Never deliver after this instant.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>
    /// Never deliver before this instant: the worker holds the message in its store until then (at most
    /// <see cref="SendEmailLimits.SendAtHorizon"/> ahead, not after <see cref="ExpiresAt"/>); null or past sends now.
    /// </summary>
    public DateTimeOffset? SendAt { get; init; }

    /// <summary>
    /// The relay to send through, by its configured name (<c>Smtp:Relays</c>); null lets the worker's routes choose.
    /// A named relay is the only one the message goes to: while it is down the message waits.
    /// </summary>
    public string? Relay { get; init; }

    /// <summary>
    /// The message's stream (e.g. <c>transactional</c>, <c>broadcast</c>): 1–64 characters of lower-case [a-z0-9._-], not
    /// <c>global</c>. The worker's suppression list skips a recipient listed globally or for this stream; null is only global.
    /// </summary>
    public string? Stream { get; init; }

    /// <summary>
    /// The lane: <c>high</c>, <c>normal</c> (null means normal) or <c>bulk</c> (<see cref="EmailPriority"/>). It chooses the
    /// exchange the message is published to; the worker serves high first and gives bulk a bounded share while others wait.
    /// </summary>
    public string? Priority { get; init; }
}
