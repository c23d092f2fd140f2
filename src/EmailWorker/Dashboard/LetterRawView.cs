using EmailWorker.DeadLetters.Store;
using EmailWorker.DeadLetters.Views;
using EmailWorker.Diagnostics;

namespace EmailWorker.Dashboard;

/// <summary>
/// The raw view of a letter's page (<c>/letters/{id}?view=raw</c>): the letter as it came — every AMQP property and header as
/// stored, and the body's first <see cref="ShownBytes"/> bytes escaped by <see cref="RawBytes"/> (controls, bidi overrides
/// and bytes that are not UTF-8 shown as <c>\u001b</c>, <c>\u202e</c>, <c>\xff</c>) and then HTML-encoded like every text
/// on a page. Seen by whoever may open the letter's page, as its body is.
/// </summary>
internal static class LetterRawView
{
    /// <summary>The most of a body the raw view reads and shows (the store keeps up to 128 MiB: <c>dlq export</c> writes it whole).</summary>
    public const int ShownBytes = 64 * 1024;

    public static Html Render(DeadLetter letter)
    {
        var raw = RawLetter.From(letter);
        var content = letter.LoadedContent;
        var properties = raw.Properties is { } p
            ? Html.Join(new (string Name, string? Value)[]
            {
                ("content-type", p.ContentType), ("content-encoding", p.ContentEncoding), ("message-id", p.MessageId),
                ("correlation-id", p.CorrelationId), ("type", p.Type), ("app-id", p.AppId), ("timestamp", p.Timestamp?.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                ("delivery-mode", p.DeliveryMode?.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                ("priority", p.Priority?.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("reply-to", p.ReplyTo),
                ("expiration", p.Expiration), ("user-id", p.UserId), ("cluster-id", p.ClusterId),
            }.Select(row => Html.Of($"<tr><td>{row.Name}</td><td>{(row.Value is null ? "(not set)" : RawBytes.Escape(row.Value))}</td></tr>")))
            : Html.Of($"<tr><td colspan=\"2\">Not kept: the letter was stored before its properties were.</td></tr>");
        var headers = Html.Join(raw.Headers.EnumerateObject().Select(h =>
            Html.Of($"<tr><td>{RawBytes.Escape(h.Name)}</td><td><code>{RawBytes.Escape(h.Value.GetRawText())}</code></td></tr>")));
        var shown = Math.Min(content.Body.Length, ShownBytes);
        var note = shown < content.BodyLength
            ? $"The first {shown} of {content.BodyLength} bytes; 'emailworker dlq export' writes the whole body."
            : $"All {content.BodyLength} bytes (SHA-256 {raw.BodySha256}).";
        return Html.Of($"""
            <p><a href="/letters/{raw.Record.LetterId}">Back to the letter</a></p>
            <h2>AMQP properties</h2><table class="raw-properties"><tr><th>Property</th><th>Value</th></tr>{properties}</table>
            <h2>Headers, as stored</h2><table class="raw-headers"><tr><th>Name</th><th>Value (JSON)</th></tr>{headers}</table>
            <h2>Body, byte for byte</h2><p>{note} Shown escaped: \\ \n \r \t, \uXXXX for control and format characters, \xNN for bytes that are not UTF-8.</p>
            <pre class="raw-body">{RawBytes.Escape(content.Body.AsSpan(0, shown), breakLines: true)}</pre>
            """);
    }
}
