namespace EmailWorker.SmtpSink;

/// <summary>
/// A reply the server sends: code and text, e.g. <c>550 5.1.1 no such user</c>. The init-only properties turn it into a
/// fault: sent byte by byte, cut off halfway, or followed by a dropped connection.
/// </summary>
public sealed record SmtpReply(int Code, string Text)
{
    public static readonly SmtpReply Ok = new(250, "2.0.0 OK");

    /// <summary>Drop the connection instead of replying, as a crashed or cut-off relay would.</summary>
    public static readonly SmtpReply Disconnect = new(0, "");

    /// <summary>
    /// Only from <see cref="SmtpScript.OnData"/>: the message counts as received (it is in <see cref="ScriptedSmtpServer.Messages"/>)
    /// but the connection drops before the 250 is sent, as when the relay's answer is lost in transit.
    /// </summary>
    public static readonly SmtpReply KeepAndDisconnect = new(0, "keep");

    /// <summary>Close the connection right after this reply was sent.</summary>
    public bool ThenDisconnect { get; init; }

    /// <summary>Send only the first half of the reply's bytes (no CRLF), then close: a relay cut off mid-reply.</summary>
    public bool CutOff { get; init; }

    /// <summary>A pause before each byte of the reply: a relay that trickles its answer.</summary>
    public TimeSpan Drip { get; init; }

    /// <summary>Whether the connection stays open after this reply (a 421 closes it, as RFC 5321 says).</summary>
    internal bool KeepsConnection => Code != 421 && !ThenDisconnect && !CutOff;

    public override string ToString() => $"{Code} {Text}";
}
