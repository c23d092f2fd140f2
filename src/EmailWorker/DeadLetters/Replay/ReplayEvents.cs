using EmailWorker.Contracts.Events;
using EmailWorker.DeadLetters.Store;
using EmailWorker.DeadLetters.Views;
using EmailWorker.Diagnostics;

namespace EmailWorker.DeadLetters.Replay;

/// <summary>
/// The <c>email.replayed</c> status event of a letter, published through the one status-event publisher after the letter
/// was marked. Events are notifications: a broker that refuses them (e.g. an operator user without write on the events
/// exchange) costs a logged warning, never the replay.
/// </summary>
internal static class ReplayEvents
{
    public static EmailReplayed For(long jobId, DeadLetter letter, string replayedBy, DateTimeOffset now)
    {
        var fields = ContentReader.Fields(letter.LoadedContent.Body);
        return new EmailReplayed
        {
            MessageId = letter.MessageId,
            CorrelationId = fields?.CorrelationId,
            Tags = fields?.Tags ?? new Dictionary<string, string>(),
            Attempt = 0,
            Outcome = "replayed",
            Class = letter.Failure.Class,
            SmtpCode = letter.Failure.SmtpCode,
            EnhancedCode = letter.Failure.EnhancedCode,
            Message = $"replayed by {SafeText.Bound(replayedBy, 200)}",
            Timestamp = now,
            ReplayedBy = replayedBy,
            JobId = jobId,
        };
    }
}
