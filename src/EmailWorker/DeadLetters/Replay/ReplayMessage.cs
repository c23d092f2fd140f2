using EmailWorker.DeadLetters.Store;
using EmailWorker.Messages;

namespace EmailWorker.DeadLetters.Replay;

/// <summary>A stored letter as the message <see cref="ReplayJobRunner"/> publishes again.</summary>
internal static class ReplayMessage
{
    /// <summary>
    /// The letter as a message to publish again: the body byte for byte and the stored headers. The store keeps headers, not
    /// the other AMQP properties: the message id is the letter's, the content type JSON when the body is a JSON object.
    /// </summary>
    public static IncomingMessage From(StoredLetter letter, IDictionary<string, object?> headers)
    {
        var body = letter.Body;
        var first = Array.FindIndex(body, b => b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'));
        return new IncomingMessage(body)
        {
            Headers = headers,
            MessageId = letter.Summary.MessageId is { Length: > 0 } id ? id : null,
            ContentType = first >= 0 && body[first] == (byte)'{' ? "application/json" : null,
        };
    }
}
