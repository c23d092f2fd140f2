using System.Globalization;
using EmailWorker.DeadLetters.Store;
using EmailWorker.DeadLetters.Views;
using EmailWorker.Diagnostics;

namespace EmailWorker.Cli.DeadLetters;

/// <summary>
/// <c>dlq show --raw</c> as text: every AMQP property and header as stored, then the body's bytes escaped by
/// <see cref="RawBytes"/> (each <c>\n</c> ends a line, so a text body stays readable and the escaping still reads back to
/// the exact bytes), at most <see cref="ShownBytes"/> of them with a note saying how many more there are.
/// </summary>
internal static class RawLetterText
{
    /// <summary>
    /// 1 MiB of body at most on a terminal (or in <c>--raw --json</c>): the store keeps bodies up to
    /// <c>RabbitMq:MaxInboundMessageBytes</c> (128 MiB); <c>dlq export</c> writes them whole.
    /// </summary>
    public const int ShownBytes = 1024 * 1024;

    private static readonly string[] PropertyNames =
        ["content-type", "content-encoding", "message-id", "correlation-id", "type", "app-id", "timestamp",
            "delivery-mode", "priority", "reply-to", "expiration", "user-id", "cluster-id"];

    public static void Write(DeadLetter letter, TextWriter output)
    {
        var raw = RawLetter.From(letter);
        var content = letter.LoadedContent;
        output.WriteLine($"letter id       {raw.Record.LetterId}");
        output.WriteLine($"messageId       {RawBytes.Escape(raw.Record.MessageId)}");
        output.WriteLine($"state           {raw.Record.State}");
        output.WriteLine("properties:");
        if (raw.Properties is null)
            output.WriteLine("  (not kept: the letter was stored before its properties were)");
        else
        {
            foreach (var (name, value) in PropertyNames.Zip(Values(raw.Properties)))
                output.WriteLine($"  {name}: {(value is null ? "(not set)" : RawBytes.Escape(value))}");
        }
        output.WriteLine("headers (as stored):");
        foreach (var header in raw.Headers.EnumerateObject())
            output.WriteLine($"  {RawBytes.Escape(header.Name)}: {RawBytes.Escape(header.Value.GetRawText())}");
        var shown = (int)Math.Min(ShownBytes, content.Body.Length);
        output.WriteLine($"body            {raw.BodyBytes} bytes, sha256 {raw.BodySha256}; as bytes, escaped (\\\\ \\n \\r \\t \\uXXXX, \\xNN not UTF-8):");
        // A body that ends with a line feed has broken its last line already (its \n shows that byte).
        var body = RawBytes.Escape(content.Body.AsSpan(0, shown), breakLines: true);
        output.Write(body);
        if (!body.EndsWith('\n'))
            output.WriteLine();
        output.WriteLine(shown < raw.BodyBytes
            ? $"(end of the first {shown} bytes: {raw.BodyBytes - shown} more not shown; 'emailworker dlq export' writes the whole body)"
            : "(end of body)");
        output.WriteLine();
    }

    private static IEnumerable<string?> Values(LetterProperties p) =>
    [
        p.ContentType, p.ContentEncoding, p.MessageId, p.CorrelationId, p.Type, p.AppId,
        p.Timestamp is { } at ? $"{at} ({DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(at, -62135596800, 253402300799)):O})" : null,
        p.DeliveryMode?.ToString(CultureInfo.InvariantCulture), p.Priority?.ToString(CultureInfo.InvariantCulture),
        p.ReplyTo, p.Expiration, p.UserId, p.ClusterId,
    ];
}
