namespace EmailWorker.Configuration;

/// <summary>
/// What becomes of a recipient the delivered ledger holds as <c>sending</c> when its message comes again: a worker claimed
/// it and then died before recording the relay's 250 — the relay may or may not have the mail.
/// </summary>
internal enum InDoubtPolicy
{
    /// <summary>Send again (at-least-once): at most one extra copy.</summary>
    Resend,

    /// <summary>Count it as delivered and skip it (at-most-once for this recipient): no extra copy, and a mail may be lost.</summary>
    AssumeDelivered,
}
