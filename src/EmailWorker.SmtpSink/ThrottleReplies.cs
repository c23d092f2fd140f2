namespace EmailWorker.SmtpSink;

/// <summary>
/// Throttling replies as real smarthosts send them (DESIGN §11), to pick from with <see cref="SinkLimits.ThrottleReply"/> or
/// <c>smtpsink --throttle-reply NAME</c>.
/// </summary>
public static class ThrottleReplies
{
    /// <summary>Amazon SES past its per-second sending quota.</summary>
    public static readonly SmtpReply Ses = new(454, "4.7.0 Throttling failure: Maximum sending rate exceeded");

    /// <summary>Office 365 past its per-client message rate.</summary>
    public static readonly SmtpReply Office365 = new(421, "4.7.0 Temporary server error. Too many messages, try again later");

    /// <summary>Office 365 past its concurrent submissions per sender.</summary>
    public static readonly SmtpReply Office365Threads = new(432, "4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded");

    /// <summary>Gmail refusing a client that sends too fast (it closes the connection).</summary>
    public static readonly SmtpReply Gmail = new(421, "4.7.0 Try again later, closing connection");

    /// <summary>Gmail's per-recipient rate.</summary>
    public static readonly SmtpReply GmailRate = new(450, "4.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered");

    /// <summary>Postfix refusing a client above <c>smtpd_client_connection_count_limit</c> (and closing).</summary>
    public static readonly SmtpReply TooManyConnections = new(421, "4.7.0 localhost Error: too many connections from 127.0.0.1");

    /// <summary>The presets by the names the CLI takes.</summary>
    public static readonly IReadOnlyDictionary<string, SmtpReply> ByName = new Dictionary<string, SmtpReply>(StringComparer.OrdinalIgnoreCase)
    {
        ["ses"] = Ses,
        ["office365"] = Office365,
        ["office365-threads"] = Office365Threads,
        ["gmail"] = Gmail,
        ["gmail-rate"] = GmailRate,
    };
}
