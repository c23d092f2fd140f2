using System.Text.Json;
using EmailWorker.Contracts;
using EmailWorker.Broker;
using EmailWorker.DeadLetters.Store;

namespace EmailWorker.DeadLetters.Views;

/// <summary>Reads a letter's <see cref="LetterContent"/>: the command in its body, the few body fields a list needs, its headers.</summary>
internal static class ContentReader
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
                ReplyTo = command.ReplyTo ?? [],
                Headers = command.Headers ?? new Dictionary<string, string>(),
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

    public static Dictionary<string, object?> Headers(LetterContent content) => HeaderJson.Read(content.HeadersJson);
}
