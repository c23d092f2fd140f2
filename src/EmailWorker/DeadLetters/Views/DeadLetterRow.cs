using EmailWorker.DeadLetters.Store;
using EmailWorker.Messages;

namespace EmailWorker.DeadLetters.Views;

/// <summary>One stored letter in <c>dlq list</c>: the fields operators sort and filter by, and whether it is still dead.</summary>
internal sealed record DeadLetterRow(
    string LetterId,
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
    int ReplayCount,
    string Group,
    string State,
    LetterMark? Replayed,
    LetterMark? Purged)
{
    public static DeadLetterRow From(StoredLetter letter)
    {
        var summary = letter.Summary;
        var state = HeaderCodec.ReadState(LetterContent.Headers(letter));
        return new DeadLetterRow(summary.LetterId, summary.MessageId, summary.Class, summary.Reason, summary.SmtpCode, summary.EnhancedCode,
            summary.Attempts, summary.FirstFailureAt, summary.LastFailureAt, summary.Recipients, LetterContent.Fields(letter.Body)?.Subject,
            state.ReplayCount, summary.Group, summary.State.ToString().ToLowerInvariant(), summary.Replayed, summary.Purged);
    }
}
