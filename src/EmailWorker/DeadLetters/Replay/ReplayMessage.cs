using EmailWorker.DeadLetters.Store;
using EmailWorker.Messages;

namespace EmailWorker.DeadLetters.Replay;

/// <summary>A stored letter as the message <see cref="ReplayJobRunner"/> publishes again.</summary>
internal static class ReplayMessage
{
    /// <summary>
    /// The letter as a message to publish again: the body byte for byte, the stored headers and the AMQP properties it came
    /// with (a MassTransit envelope keeps its content type, so the worker reads it as an envelope again), the priority and
    /// reply-to among them; the producer's expiration and user-id go in our headers only (the broker would refuse the
    /// user-id from the CLI's user, and the expiration may long be over). A letter stored before its properties were kept
    /// gets the letter's message id, and JSON as content type when the body is a JSON object.
    /// </summary>
    public static IncomingMessage From(DeadLetter letter, IDictionary<string, object?> headers)
    {
        var content = letter.LoadedContent;
        // A body cut for display must never go out as the letter.
        if (!content.IsWholeBody)
            throw new ArgumentException($"letter {letter.LetterId} was read with part of its body only", nameof(letter));
        if (content.Properties is { } kept)
        {
            return new IncomingMessage(content.Body)
            {
                Headers = headers,
                ContentType = kept.ContentType,
                ContentEncoding = kept.ContentEncoding,
                MessageId = kept.MessageId,
                CorrelationId = kept.CorrelationId,
                Type = kept.Type,
                AppId = kept.AppId,
                Timestamp = kept.Timestamp ?? 0,
                Priority = kept.Priority,
                ReplyTo = kept.ReplyTo,
                OriginalExpiration = kept.Expiration,
                OriginalUserId = kept.UserId,
            };
        }
        var body = content.Body;
        var first = Array.FindIndex(body, b => b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'));
        return new IncomingMessage(body)
        {
            Headers = headers,
            MessageId = letter.MessageId is { Length: > 0 } id ? id : null,
            ContentType = first >= 0 && body[first] == (byte)'{' ? "application/json" : null,
        };
    }
}
