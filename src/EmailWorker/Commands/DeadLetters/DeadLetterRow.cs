using EmailWorker.Operations;

namespace EmailWorker.Commands.DeadLetters;

/// <summary>One dead letter in <c>dlq list</c>: the fields operators sort and filter by.</summary>
internal sealed record DeadLetterRow(
    string MessageId,
    string Class,
    string Reason,
    int? SmtpCode,
    string? EnhancedCode,
    int Attempts,
    DateTimeOffset? FirstFailureAt,
    DateTimeOffset? LastFailureAt,
    IReadOnlyList<string> Recipients,
    string? Subject,
    int ReplayCount)
{
    public static DeadLetterRow From(DeadLetterEntry entry) => new(entry.MessageId, entry.Class, entry.Reason, entry.SmtpCode, entry.EnhancedCode,
        entry.Attempts, entry.FirstFailureAt, entry.LastFailureAt, entry.Recipients, entry.Command?.Subject, entry.ReplayCount);
}
