using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using EmailWorker.DeadLetters.Store;

namespace EmailWorker.DeadLetters.Views;

/// <summary>
/// A stored letter as it came, for <c>dlq show --raw</c>, <c>dlq export</c> and the dashboard's raw view: its record, every
/// AMQP property and header as the store keeps them (the headers as stored JSON: byte strings as UTF-8 text, timestamps as
/// ISO 8601, without <c>x-delivery-count</c>), its attempt timeline, the body's size and SHA-256, and — when shown rather
/// than written to a file — the body's first <see cref="BodyShownBytes"/> bytes as base64.
/// </summary>
internal sealed record RawLetter(
    DeadLetterView Record,
    LetterProperties? Properties,
    JsonElement Headers,
    JsonElement History,
    long BodyBytes,
    string? BodySha256,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? BodyShownBytes,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? BodyBase64)
{
    /// <summary>
    /// The letter as it came; with <paramref name="bodyShown"/> its body's first bytes as base64 too. The SHA-256 is of the
    /// whole body, so null when the letter was read with its body cut (<see cref="LetterContent.IsWholeBody"/>).
    /// </summary>
    public static RawLetter From(DeadLetter letter, int? bodyShown = null)
    {
        var content = letter.LoadedContent;
        var shown = bodyShown is { } most ? content.Body.AsSpan(0, Math.Min(most, content.Body.Length)) : default;
        return new RawLetter(DeadLetterView.From(letter), content.Properties, Parse(content.HeadersJson), Parse(content.HistoryJson),
            content.BodyLength, content.IsWholeBody ? Convert.ToHexStringLower(SHA256.HashData(content.Body)) : null,
            bodyShown is null ? null : shown.Length, bodyShown is null ? null : Convert.ToBase64String(shown));
    }

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
