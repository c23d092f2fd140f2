namespace EmailWorker.Smtp;

/// <summary>
/// One reply of the relay: its three-digit code and its text — the lines after the code joined by <c>\n</c>, control
/// characters already replaced (see <see cref="SmtpReplyReader"/>), so it is safe to log and to put in a header.
/// </summary>
internal sealed record SmtpReply(int Code, string Text)
{
    /// <summary>RFC 5321 421: the relay is closing the connection; whatever transaction was open is abandoned.</summary>
    public const int ServiceClosing = 421;

    public bool IsPositive => Code is >= 200 and < 300;

    public override string ToString() => $"{Code} {Text}";
}
