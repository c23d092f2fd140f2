namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// A stored letter in full: the summary plus the attempt timeline, every AMQP header, the body bytes and the other AMQP
/// properties (null for a letter stored before they were kept).
/// </summary>
internal sealed record StoredLetter(LetterSummary Summary, string HistoryJson, string HeadersJson, byte[] Body, LetterProperties? Properties = null);
