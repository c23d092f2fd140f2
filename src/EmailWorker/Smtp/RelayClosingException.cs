namespace EmailWorker.Smtp;

/// <summary>
/// The relay answered 421 — it is closing the connection (RFC 5321 §3.8), so any transaction under way is abandoned and
/// the mail was not taken. Carries the reply, so a throttling 421 ("too many connections") is recognised as such.
/// </summary>
internal sealed class RelayClosingException(int statusCode, string replyText)
    : Exception($"the relay closed the connection: {statusCode} {replyText}")
{
    public int StatusCode { get; } = statusCode;

    public string ReplyText { get; } = replyText;
}
