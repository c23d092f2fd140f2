namespace EmailWorker.Delivery;

/// <summary>One attempt in the <c>email-history</c> header (newest last).</summary>
internal sealed record HistoryEntry(
    int Attempt,
    DateTimeOffset At,
    string Outcome,
    string Class,
    int? SmtpCode,
    string? EnhancedCode,
    string Message,
    string Worker);
