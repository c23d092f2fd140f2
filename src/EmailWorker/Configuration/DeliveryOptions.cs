using MimeKit;

namespace EmailWorker.Configuration;

/// <summary>Section <c>Delivery</c>: how many messages are worked on at once and what a message may be.</summary>
internal sealed class DeliveryOptions
{
    public const string Section = "Delivery";

    /// <summary>Unacknowledged messages the broker hands this worker at a time, per lane (each lane's queue has its own consumer).</summary>
    public int PrefetchCount { get; set; } = 256;

    /// <summary>
    /// The share of handling slots bulk messages take while normal ones wait too (0 &lt; share &lt; 1): 0.2 is one slot in five.
    /// High messages always go first; a lane alone takes every slot.
    /// </summary>
    public double BulkShare { get; set; } = 0.2;

    /// <summary>Messages processed concurrently; each needs an SMTP connection from the pool while it is sent.</summary>
    public int ConcurrencyLimit { get; set; } = 256;

    /// <summary>Sender used when a message has no <c>from</c>; empty means every message must name one.</summary>
    public string? DefaultFrom { get; set; }

    /// <summary>
    /// <see cref="DefaultFrom"/> parsed (a display name is allowed: <c>Shop &lt;noreply@example.com&gt;</c>), null when empty:
    /// the one sender both the messages' From and the breaker's probe (<c>MAIL FROM</c>, the address only) use.
    /// </summary>
    public MailboxAddress? DefaultSender() => string.IsNullOrEmpty(DefaultFrom) ? null : MailboxAddress.Parse(DefaultFrom);

    /// <summary>Right-hand side of the Message-ID header derived from <c>messageId</c>.</summary>
    public string MessageIdDomain { get; set; } = "emailworker.local";

    /// <summary>Largest accepted message body on the queue, in bytes (attachments travel base64 inside it).</summary>
    public int MaxMessageBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>
    /// Whether each recipient is recorded in the delivered ledger (the dead-letter store's database): claimed before the
    /// content is sent, delivered after the 250, so a redelivered or replayed message skips who already has it.
    /// </summary>
    public bool Ledger { get; set; } = true;

    /// <summary>What a recipient found claimed but never recorded (the worker died between claim and 250) gets: <c>Resend</c> or <c>AssumeDelivered</c>.</summary>
    public string InDoubt { get; set; } = nameof(InDoubtPolicy.Resend);

    /// <summary>How long the ledger keeps a row after its last change.</summary>
    public string LedgerRetention { get; set; } = "7d";
}
