namespace EmailWorker.DeadLetters.Store;

/// <summary>A stored letter in full: the summary plus the attempt timeline, every AMQP header and the body bytes.</summary>
internal sealed record StoredLetter(LetterSummary Summary, string HistoryJson, string HeadersJson, byte[] Body);
