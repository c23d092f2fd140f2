namespace EmailWorker.Delivery;

/// <summary>
/// The relay pushed back: <paramref name="Reply"/> is the reply's code and enhanced code (e.g. <c>454 4.7.0</c>, a few
/// values: fit for a metric attribute and the log), <paramref name="Stage"/> the command it answered (connect, mail, rcpt,
/// data).
/// </summary>
internal sealed record ThrottleSignal(ThrottleKind Kind, string Reply, string Stage)
{
    public override string ToString() => $"{Reply} at {Stage}";
}
