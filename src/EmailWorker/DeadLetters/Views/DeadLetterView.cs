using EmailWorker.DeadLetters.Store;
using EmailWorker.Messages;

namespace EmailWorker.DeadLetters.Views;

/// <summary>
/// A stored letter as every front end shows it: a row of <c>dlq list</c> (its table and each object of <c>--json</c>),
/// the record of <c>dlq show</c> and of the dashboard's letter page, a row of the dashboard's list and of a dry run's
/// sample. The fields operators sort and filter by, and whether the letter is still dead. <see cref="Subject"/> and
/// <see cref="ReplayCount"/> come from the content: null when the letter was read as a summary only (the dashboard's list).
/// </summary>
internal sealed record DeadLetterView(
    string LetterId,
    string MessageId,
    string Class,
    string Reason,
    int? SmtpCode,
    string? EnhancedCode,
    int Attempts,
    DateTimeOffset FirstFailureAt,
    DateTimeOffset LastFailureAt,
    IReadOnlyList<string> Recipients,
    string? Subject,
    int? ReplayCount,
    string Group,
    string State,
    LetterMark? Replayed,
    LetterMark? Purged)
{
    public static DeadLetterView From(DeadLetter letter)
    {
        var failure = letter.Failure;
        var content = letter.Content;
        return new DeadLetterView(letter.LetterId, letter.MessageId, failure.Class, failure.Reason, failure.SmtpCode, failure.EnhancedCode,
            failure.Attempts, failure.FirstFailureAt, failure.LastFailureAt, letter.Recipients,
            content is null ? null : ContentReader.Fields(content.Body)?.Subject,
            content is null ? null : HeaderCodec.ReadState(ContentReader.Headers(content)).ReplayCount,
            letter.Group, letter.State.ToString().ToLowerInvariant(), letter.Replayed, letter.Purged);
    }
}
