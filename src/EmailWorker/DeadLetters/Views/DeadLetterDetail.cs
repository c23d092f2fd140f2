using System.Text.Json;
using EmailWorker.DeadLetters.Store;
using EmailWorker.Messages;

namespace EmailWorker.DeadLetters.Views;

/// <summary>
/// A letter read in full as <c>dlq show</c> and the dashboard's letter page show it: its <see cref="DeadLetterView"/>, every
/// attempt, the headers, a summary of the body (never its content) and what the delivered ledger holds for its message.
/// </summary>
internal sealed record DeadLetterDetail(
    DeadLetterView Record,
    IReadOnlyList<HistoryEntry> History,
    IReadOnlyDictionary<string, string?> Headers,
    BodySummary Body,
    IReadOnlyList<LedgerRow> Ledger)
{
    public static DeadLetterDetail From(DeadLetter letter, IReadOnlyList<LedgerRow> ledger)
    {
        var content = letter.LoadedContent;
        var headers = ContentReader.Headers(content);
        return new DeadLetterDetail(
            DeadLetterView.From(letter),
            JsonSerializer.Deserialize(content.HistoryJson, RoutingJsonContext.Default.ListHistoryEntry) ?? [],
            headers.ToDictionary(h => h.Key, h => HeaderText(headers, h.Key), StringComparer.Ordinal),
            BodySummary.Of(content.Body),
            ledger);
    }

    // x-death is a table of tables: shown as its type, the readable parts are in x-first-death-*.
    private static string? HeaderText(Dictionary<string, object?> headers, string name) =>
        headers[name] is IList<object?> or IDictionary<string, object?> ? "(table)" : HeaderCodec.ReadString(headers, name);
}

/// <summary>What the body holds, without the content: personal data stays in the store.</summary>
internal sealed record BodySummary(
    int Bytes,
    bool ValidJson,
    string? Sender,
    IReadOnlyList<string> To,
    IReadOnlyList<string> Cc,
    int BccCount,
    string? Subject,
    int? TextLength,
    int? HtmlLength,
    IReadOnlyList<AttachmentSummary> Attachments,
    IReadOnlyDictionary<string, string> Tags,
    string? CorrelationId,
    DateTimeOffset? ExpiresAt)
{
    public static BodySummary Of(byte[] body)
    {
        var command = ContentReader.Command(body);
        return new BodySummary(body.Length, command is not null,
            command?.From?.Address, command?.To.Select(a => a.Address).ToArray() ?? [], command?.Cc.Select(a => a.Address).ToArray() ?? [],
            command?.Bcc.Count ?? 0, command?.Subject, command?.Text?.Length, command?.Html?.Length,
            command?.Attachments.Select(a => new AttachmentSummary(a.FileName, a.ContentType, DecodedLength(a.ContentBase64))).ToArray() ?? [],
            command?.Tags ?? new Dictionary<string, string>(), command?.CorrelationId, command?.ExpiresAt);
    }

    private static int DecodedLength(string? base64) =>
        string.IsNullOrEmpty(base64) ? 0 : base64.Length / 4 * 3 - (base64.EndsWith("==", StringComparison.Ordinal) ? 2 : base64.EndsWith('=') ? 1 : 0);
}

/// <summary>One attachment of a body: its name, type and decoded size.</summary>
internal sealed record AttachmentSummary(string FileName, string ContentType, int Bytes);
