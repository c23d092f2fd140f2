namespace EmailWorker.SmtpSink;

/// <summary>A message the server answered 250 for: the envelope and the raw DATA (dot-unstuffed).</summary>
public sealed record ReceivedMessage(string MailFrom, IReadOnlyList<string> Recipients, byte[] Data, DateTimeOffset ReceivedAt);
