namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// How a stored letter failed: the six failure fields and how many attempts were made. Read from our failure record
/// (<c>Messages/FailureRecord</c>) where the letter has one; <see cref="Class"/> is text, since a stored letter's class is
/// also the broker's (<see cref="LetterClasses.Poison"/>) or none of ours (<see cref="LetterClasses.Unknown"/>), which
/// the worker's <c>OutcomeClass</c> never is.
/// </summary>
internal sealed record LetterFailure(
    string Class,
    string Reason,
    int? SmtpCode,
    string? EnhancedCode,
    int Attempts,
    DateTimeOffset FirstFailureAt,
    DateTimeOffset LastFailureAt);
