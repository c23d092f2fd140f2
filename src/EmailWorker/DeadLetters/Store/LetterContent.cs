namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// What a letter holds beyond its summary, read only when asked for: the attempt timeline, every AMQP header, the body and
/// the other AMQP properties (null for a letter stored before they were kept). <see cref="Body"/> is whole unless a page
/// read only its first bytes for display (<see cref="IsWholeBody"/>; <see cref="BodyLength"/> is the whole body's size).
/// </summary>
internal sealed record LetterContent(string HistoryJson, string HeadersJson, byte[] Body, LetterProperties? Properties = null)
{
    private readonly long? _bodyLength;

    /// <summary>The whole body's size: <see cref="Body"/>'s own unless a read cut the body (set then, so a copy with another body follows that body).</summary>
    public long BodyLength { get => _bodyLength ?? Body.Length; init => _bodyLength = value; }

    public bool IsWholeBody => Body.Length == BodyLength;
}
