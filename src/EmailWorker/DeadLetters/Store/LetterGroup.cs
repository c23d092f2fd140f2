namespace EmailWorker.DeadLetters.Store;

/// <summary>A group of letters that failed alike: its key and label, how many, first and last failure, one sample reason.</summary>
internal sealed record LetterGroup(
    string Key,
    string Label,
    string Class,
    int? SmtpCode,
    string? EnhancedCode,
    long Count,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen,
    string SampleReason);
