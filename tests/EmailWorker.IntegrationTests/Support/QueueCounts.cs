using System.Net;
using EmailWorker.TestSupport;

namespace EmailWorker.IntegrationTests.Support;

/// <summary>
/// Ready and unacknowledged counts of a queue from the management API. AMQP's queue.declare-ok counts ready messages only
/// on quorum queues, so it cannot see what a consumer holds unacked: exactly where a lost ack would hide. The API's
/// figures trail the broker by its statistics interval (1 s on the tests' own node), so callers poll.
/// </summary>
public sealed record QueueCounts(long Ready, long Unacked)
{
    public bool IsEmpty => Ready == 0 && Unacked == 0;

    public override string ToString() => $"{Ready} ready, {Unacked} unacked";

    /// <summary>The counts, or null while the broker has no statistics for the queue yet.</summary>
    public static async Task<QueueCounts?> ReadAsync(BrokerEndpoint broker, string queue)
    {
        var (present, counts) = await ReadIfPresentAsync(broker, queue);
        return present ? counts : throw new HttpRequestException($"queue {queue} does not exist", null, HttpStatusCode.NotFound);
    }

    /// <summary>Whether the queue exists (a scenario may have deleted it) and, if so, its counts (null until it has statistics).</summary>
    public static async Task<(bool Present, QueueCounts? Counts)> ReadIfPresentAsync(BrokerEndpoint broker, string queue)
    {
        using var document = await ManagementApi.GetAsync(broker, $"queues/{ManagementApi.Entity(broker, queue)}");
        if (document is null)
            return (false, null);
        var root = document.RootElement;
        return (true, root.TryGetProperty("messages_ready", out var ready) && ready.TryGetInt64(out var readyCount)
               && root.TryGetProperty("messages_unacknowledged", out var unacked) && unacked.TryGetInt64(out var unackedCount)
            ? new QueueCounts(readyCount, unackedCount)
            : null);
    }
}
