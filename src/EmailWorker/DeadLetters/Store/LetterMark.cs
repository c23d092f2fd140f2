namespace EmailWorker.DeadLetters.Store;

/// <summary>When and by whom a letter was replayed or purged.</summary>
internal sealed record LetterMark(DateTimeOffset At, string By);
