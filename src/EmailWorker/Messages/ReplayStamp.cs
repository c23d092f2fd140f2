namespace EmailWorker.Messages;

/// <summary>Who replayed a dead letter and when (<c>email-replayed-by</c>, <c>email-replayed-at</c>).</summary>
internal sealed record ReplayStamp(DateTimeOffset At, string By);
