namespace EmailWorker.Worker;

/// <summary>One basic.ack to send: the tag, and whether it settles every unsettled delivery up to it.</summary>
internal readonly record struct AckFrame(ulong DeliveryTag, bool Multiple);

/// <summary>
/// The consumer channel's unsettled deliveries in delivery order, and which of them are done and may be acked. It turns
/// done deliveries into as few acks as is safe: one multiple ack for the run of done deliveries at the front (every
/// delivery up to its tag is done, so none is acked before its outcome is durable), and single acks for done deliveries
/// held behind a slower one for longer than the hold, so one slow send never keeps the others unacked.
/// Not thread-safe: the owner serialises access.
/// </summary>
internal sealed class PendingAcks
{
    private readonly List<(ulong Tag, long? DoneAt)> _unsettled = [];

    public int Count => _unsettled.Count;

    /// <summary>Registers a delivery; tags must come in the order the channel delivered them.</summary>
    public void Delivered(ulong tag)
    {
        if (_unsettled.Count > 0 && _unsettled[^1].Tag >= tag)
            throw new InvalidOperationException($"delivery tag {tag} arrived after {_unsettled[^1].Tag}: acks could cover an unfinished delivery");
        _unsettled.Add((tag, null));
    }

    /// <summary>Marks a delivery as done and ready to be acked; <paramref name="now"/> is any monotonic clock reading.</summary>
    public void Done(ulong tag, long now) => _unsettled[IndexOf(tag)] = (tag, now);

    /// <summary>Forgets a delivery settled some other way (a requeue).</summary>
    public void Forget(ulong tag) => _unsettled.RemoveAt(IndexOf(tag));

    /// <summary>True when a done delivery waits behind an unfinished one (the owner must come back after the hold).</summary>
    public bool HoldsAny => _unsettled.Exists(u => u.DoneAt is not null);

    /// <summary>
    /// The acks to send now, removing what they settle: the done run at the front as one ack, and each done delivery
    /// behind it that has waited at least <paramref name="hold"/> (zero: all of them, as when stopping).
    /// </summary>
    public List<AckFrame> Take(long now, long hold)
    {
        var frames = new List<AckFrame>();
        var front = 0;
        while (front < _unsettled.Count && _unsettled[front].DoneAt is not null)
            front++;
        if (front > 0)
        {
            frames.Add(new AckFrame(_unsettled[front - 1].Tag, Multiple: front > 1));
            _unsettled.RemoveRange(0, front);
        }
        _unsettled.RemoveAll(u =>
        {
            if (u.DoneAt is not { } doneAt || now - doneAt < hold)
                return false;
            frames.Add(new AckFrame(u.Tag, Multiple: false));
            return true;
        });
        return frames;
    }

    private int IndexOf(ulong tag)
    {
        var index = _unsettled.BinarySearch((tag, null), TagOrder.Instance);
        return index >= 0 ? index : throw new InvalidOperationException($"delivery tag {tag} is not unsettled");
    }

    private sealed class TagOrder : IComparer<(ulong Tag, long? DoneAt)>
    {
        public static readonly TagOrder Instance = new();

        public int Compare((ulong Tag, long? DoneAt) x, (ulong Tag, long? DoneAt) y) => x.Tag.CompareTo(y.Tag);
    }
}
