namespace EmailWorker.Configuration;

/// <summary>
/// Section <c>Smtp</c>: the relay and the connection pool — one relay through the keys below, or several named ones in
/// <see cref="Relays"/> (then <c>Host</c>, <c>Username</c>, <c>Password</c> and <c>TrustedCaFile</c> stay empty and the
/// other keys are the relays' defaults), chosen per message by <see cref="Routes"/>. The password is never logged or printed.
/// </summary>
internal sealed class SmtpOptions
{
    public const string Section = "Smtp";

    public string Host { get; set; } = "";

    public int Port { get; set; } = 25;

    /// <summary>One of <see cref="SmtpSecurity"/>; kept as text so a wrong value gets a message that lists the allowed ones.</summary>
    public string Security { get; set; } = nameof(SmtpSecurity.None);

    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>
    /// A PEM file with CA certificate(s) to trust for the relay besides the system's, e.g. a company CA. The chain and the
    /// host name are still verified in full.
    /// </summary>
    public string? TrustedCaFile { get; set; }

    /// <summary>Allows AUTH (the password) over a connection without TLS; off, <c>Security=None</c> with a user is refused at start-up.</summary>
    public bool AllowPlaintextAuth { get; set; }

    /// <summary>Connections to the relay at most: the ceiling (adaptive delivery starts at <c>Adaptive:InitialConnections</c>).</summary>
    public int PoolSize { get; set; } = 128;

    /// <summary>Socket read/write timeout of one SMTP command, e.g. <c>30s</c>.</summary>
    public string Timeout { get; set; } = "30s";

    /// <summary>Overall deadline of one attempt, so a relay that trickles bytes cannot hold a message or a connection for long.</summary>
    public string AttemptDeadline { get; set; } = "2m";

    /// <summary>
    /// How long a pooled connection may sit unused before it is closed (QUIT), e.g. <c>5s</c>: a relay's connection limit is
    /// shared by every worker, and connections one holds idle are ones another cannot open (Postfix keeps an unused one 2 s).
    /// </summary>
    public string IdleTimeout { get; set; } = "5s";

    /// <summary>Adaptive delivery: how far the worker follows the relay's pushback (<c>Smtp:Adaptive</c>).</summary>
    public AdaptiveOptions Adaptive { get; set; } = new();

    /// <summary>Several named relays (<c>Smtp:Relays</c>); empty for the one relay of the keys above, named <c>default</c>.</summary>
    public List<RelayOptions> Relays { get; set; } = [];

    /// <summary>Which relays a message may go to, by sender domain or tag (<c>Smtp:Routes</c>); the first that matches wins.</summary>
    public List<RouteOptions> Routes { get; set; } = [];

    public TimeSpan AttemptDeadlineValue => Duration.TryParse(AttemptDeadline, out var value) ? value : TimeSpan.FromMinutes(2);

    public SmtpSecurity SecurityMode => Enum.Parse<SmtpSecurity>(Security, ignoreCase: true);

    public TimeSpan IdleTimeoutValue => Duration.TryParse(IdleTimeout, out var value) ? value : TimeSpan.FromSeconds(5);

    public TimeSpan TimeoutValue => Duration.TryParse(Timeout, out var value) ? value : TimeSpan.FromSeconds(30);
}
