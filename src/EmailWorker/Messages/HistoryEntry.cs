namespace EmailWorker.Messages;

/// <summary>
/// One entry of the <c>email-history</c> header (newest last): an SMTP attempt and where it sent the message, or a replay.
/// </summary>
internal sealed record HistoryEntry(
    int Attempt,
    DateTimeOffset At,
    string Outcome,
    string Class,
    int? SmtpCode,
    string? EnhancedCode,
    string Message,
    string Worker);
