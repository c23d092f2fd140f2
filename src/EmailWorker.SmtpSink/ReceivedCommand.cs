namespace EmailWorker.SmtpSink;

/// <summary>A command the server read: its verb only (an AUTH line's secret is never kept), and whether it came over TLS.</summary>
public sealed record ReceivedCommand(string Verb, bool OverTls);
