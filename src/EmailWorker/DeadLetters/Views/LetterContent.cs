using System.Text.Json;
using EmailWorker.DeadLetters.Ingest;
using EmailWorker.Contracts;
using EmailWorker.DeadLetters.Store;

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
            return JsonSerializer.Deserialize(body, ViewJsonContext.Default.BodyFields);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static Dictionary<string, object?> Headers(StoredLetter letter) => HeaderJson.Read(letter.HeadersJson);
}
