using System.Collections.Concurrent;

namespace EmailWorker.Worker;

/// <summary>
/// The moves the worker holds because publishing them failed (a nack, a return, a lost channel) and is being tried again,
/// by the queue each was going to. While one fails its message keeps a consumer slot: a tier that is gone (its queue
/// deleted: every move to it returned, tried again for good) takes slot after slot until none is left. The readiness check
/// says so, naming the queue, rather than Healthy with nothing moving.
/// </summary>
internal sealed class FailingMoves
{
    private readonly ConcurrentDictionary<long, (string Queue, string Reason)> _failing = new();
    private long _next;

    /// <summary>A move to <paramref name="queue"/> failed and is held for another try; returns its ticket.</summary>
    public long Add(string queue, string reason)
    {
        var ticket = Interlocked.Increment(ref _next);
        _failing[ticket] = (queue, reason);
        return ticket;
    }

    public void Update(long ticket, string reason)
    {
        if (_failing.TryGetValue(ticket, out var move))
            _failing[ticket] = move with { Reason = reason };
    }

    /// <summary>The move went through in the end, or its message was given back.</summary>
    public void Remove(long ticket) => _failing.TryRemove(ticket, out _);

    /// <summary>How many moves fail now, and the queue and reason of the one failing longest; null when none does.</summary>
    public (int Count, string Queue, string Reason)? Oldest()
    {
        var snapshot = _failing.ToArray();
        if (snapshot.Length == 0)
            return null;
        var (_, (queue, reason)) = snapshot.MinBy(entry => entry.Key);
        return (snapshot.Length, queue, reason);
    }
}
