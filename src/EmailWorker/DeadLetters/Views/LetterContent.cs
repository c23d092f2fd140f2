using System.Text.Json;
using EmailWorker.Cli.DeadLetters;
using EmailWorker.DeadLetters.Ingest;
using EmailWorker.Contracts;
using EmailWorker.DeadLetters.Store;
using EmailWorker.Broker;
using RabbitMQ.Client;

namespace EmailWorker.DeadLetters.Views;

/// <summary>What a stored letter holds beyond its summary: the command in its body, its headers, and the message a replay publishes.</summary>
internal static class LetterContent
{
    /// <summary>The body as a <c>SendEmail</c>, or null when it is not one.</summary>
    public static SendEmail? Command(byte[] body)
    {
        try
        {
            var command = JsonSerializer.Deserialize(body, ContractsJsonContext.Default.SendEmail);
            return command is null ? null : command with
            {
                To = command.To ?? [],
                Cc = command.Cc ?? [],
                Bcc = command.Bcc ?? [],
                Attachments = command.Attachments ?? [],
                Tags = command.Tags ?? new Dictionary<string, string>(),
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The body's subject, correlation id and tags, or null when it is not a JSON object with them as strings.</summary>
    public static BodyFields? Fields(byte[] body)
    {
        try
        {
            return JsonSerializer.Deserialize(body, CliJsonContext.Default.BodyFields);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static Dictionary<string, object?> Headers(StoredLetter letter) => HeaderJson.Read(letter.HeadersJson);

    /// <summary>
    /// The letter as a message to publish again: the body byte for byte and the stored headers. The store keeps headers, not
    /// the other AMQP properties: the message id is the letter's, the content type JSON when the body is a JSON object.
    /// </summary>
    public static IncomingMessage Message(StoredLetter letter, IDictionary<string, object?> headers)
    {
        var body = letter.Body;
        var first = Array.FindIndex(body, b => b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'));
        var properties = new BasicProperties
        {
            Headers = headers,
            MessageId = letter.Summary.MessageId is { Length: > 0 } id ? id : null,
            ContentType = first >= 0 && body[first] == (byte)'{' ? "application/json" : null,
        };
        return new IncomingMessage(body, properties);
    }
}
