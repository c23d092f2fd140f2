namespace EmailWorker.SmtpSink;

/// <summary>A reply the server sends: code and text, e.g. <c>550 5.1.1 no such user</c>.</summary>
public sealed record SmtpReply(int Code, string Text)
{
    public static readonly SmtpReply Ok = new(250, "2.0.0 OK");

    /// <summary>Drop the connection instead of replying, as a crashed or cut-off relay would.</summary>
    public static readonly SmtpReply Disconnect = new(0, "");

    public override string ToString() => $"{Code} {Text}";
}
