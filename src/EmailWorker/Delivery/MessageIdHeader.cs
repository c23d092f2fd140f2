using System.Text;


namespace EmailWorker.Delivery;

/// <summary>
/// Derives the Message-ID header from the command's <c>messageId</c>, so a duplicate send carries the same Message-ID and is
/// recognisable downstream. The mapping is one-to-one: characters a Message-ID's left part may not hold are escaped with
/// '=', which <c>messageId</c> itself never contains.
/// </summary>
internal static class MessageIdHeader
{
    public static string Derive(string messageId, string domain)
    {
        var left = Escape(messageId, escapeDots: false);
        if (left.StartsWith('.') || left.EndsWith('.') || left.Contains("..", StringComparison.Ordinal))
            left = Escape(messageId, escapeDots: true);
        return $"{left}@{domain}";
    }

    private static string Escape(string messageId, bool escapeDots)
    {
        var builder = new StringBuilder(messageId.Length + 8);
        foreach (var c in messageId)
        {
            _ = c switch
            {
                ':' => builder.Append("=3A"),
                '@' => builder.Append("=40"),
                '.' when escapeDots => builder.Append("=2E"),
                _ => builder.Append(c),
            };
        }
        return builder.ToString();
    }
}
