namespace EmailWorker.Contracts;

/// <summary>The stable error codes of <see cref="SendEmailValidator"/>; producers may switch on them.</summary>
public static class ValidationCodes
{
    public const string NotJson = "not_json";
    public const string MissingMessageId = "missing_message_id";
    public const string InvalidMessageId = "invalid_message_id";
    public const string MissingRecipient = "missing_recipient";
    public const string TooManyRecipients = "too_many_recipients";
    public const string MissingSender = "missing_sender";
    public const string InvalidAddress = "invalid_address";
    public const string HeaderInjection = "header_injection";
    public const string InvalidHeaderName = "invalid_header_name";
    public const string InvalidHeaderValue = "invalid_header_value";
    public const string MissingBody = "missing_body";
    public const string InvalidAttachment = "invalid_attachment";
    public const string TooLarge = "too_large";
    public const string Expired = "expired";
    public const string UnknownRelay = "unknown_relay";
    public const string InvalidStream = "invalid_stream";
    public const string InvalidPriority = "invalid_priority";

    /// <summary><c>sendAt</c> is further ahead than the worker's horizon (<c>Scheduled:Horizon</c>).</summary>
    public const string SendAtBeyondHorizon = "send_at_beyond_horizon";

    /// <summary><c>sendAt</c> is after <c>expiresAt</c>: the message could never be delivered.</summary>
    public const string SendAtAfterExpiry = "send_at_after_expiry";

    /// <summary>The worker could not build a MIME message from a body that passed every other rule (never from a producer).</summary>
    public const string InvalidMime = "invalid_mime";
}
