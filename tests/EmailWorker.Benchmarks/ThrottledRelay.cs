using System.Globalization;
using EmailWorker.TestSupport;

namespace EmailWorker.Benchmarks;

/// <summary>
/// A relay that throttles (issue 21): the sink allows <c>R</c> transactions a second and <c>C</c> connections at once,
/// refusing the rest as SES does (454 4.7.0 over the rate, 421 4.7.0 over the connections), optionally with its rate
/// changed after some messages. A fresh sink per drain, so its refusals are the drainer's alone. Every message of the
/// batch is queued first, with no warm-up: learning the relay's limits is part of what is measured. A drain has settled
/// when every message either arrived (exactly once) or failed for good — the worker's dead-letter queue (ingest off, so
/// the letters stay countable there) or MassTransit's <c>_error</c> queue.
/// </summary>
internal static class ThrottledRelay
{
    /// <summary>
    /// <paramref name="PerSecond"/>: arrivals over the window from the first attempt to the last arrival;
    /// <paramref name="Allowed"/>: the messages the relay's rate allowed over that window (its rate integrated over the
    /// changes); <paramref name="RateRefusals"/> and <paramref name="ConnectionRefusals"/>: what the sink refused;
    /// <paramref name="Failed"/>: dead letters or <c>_error</c> messages; <paramref name="FollowSeconds"/>: after the relay's
    /// last rate change, how long until the drain reached 90 % of the new rate over a 2 s window (0 without changes; the
    /// rest of the drain when it never did).
    /// </summary>
    public sealed record Result(int Delivered, double PerSecond, double Allowed, long RateRefusals, long ConnectionRefusals, long Failed, double FollowSeconds)
    {
        public long Refusals => RateRefusals + ConnectionRefusals;
    }

    private static readonly TimeSpan SettleTimeout = TimeSpan.FromMinutes(5);

    public static IEnumerable<string> SinkLimits(int rate, int connections, IEnumerable<(int After, int Rate)> changes) =>
        new[] { "--rate", Text(rate), "--max-connections", Text(connections) }
            .Concat(changes.SelectMany(c => new[] { "--rate-after", $"{Text(c.After)}:{Text(c.Rate)}" }));

    /// <summary>The worker as shipped (appsettings.json: adaptive delivery from 4 connections under 128) but for a short retry schedule.</summary>
    public static async Task<Result> WorkerAsync(BrokerEndpoint broker, WorkerRuns runs, IEnumerable<string> sinkLimits, int rate, int messages)
    {
        await using var sink = await Sink.StartAsync(0, limits: sinkLimits);
        var batch = Batch.Create(0, messages);
        await runs.DeclareAndFillAsync(batch.Prefix, batch.MeasuredIds);
        var environment = runs.Settings(batch.Prefix, sink.Port, WorkerRuns.Shipped, WorkerRuns.Shipped, "1s,2s,3s");
        environment["EMAILWORKER__DEADLETTERS__INGEST"] = "false";
        try
        {
            await using (ChildProcess.Start(Repository.Worker, ["run"], environment))
                return await SettleAsync(broker, sink, batch, rate, $"{batch.Prefix}.dead");
        }
        finally
        {
            await Queues.DeleteTopologyAsync(broker, batch.Prefix);
            WorkerRuns.DeleteStore(batch.Prefix);
        }
    }

    /// <summary>
    /// The tuned MassTransit peer as a team would set it up for this relay: a pool of exactly <paramref name="connections"/>
    /// (it cannot open more) and in-memory retries with back-off (<see cref="TunedMassTransit.Endpoint"/>).
    /// </summary>
    public static async Task<Result> TunedMassTransitAsync(BrokerEndpoint broker, IEnumerable<string> sinkLimits, int rate, int connections, int messages)
    {
        await using var sink = await Sink.StartAsync(0, limits: sinkLimits);
        var batch = Batch.Create(0, messages);
        var queue = $"bench-mt-{batch.Prefix}";
        await using (var connection = await broker.CreateFactory().CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync(new RabbitMQ.Client.CreateChannelOptions(true, true)))
        {
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
            await Messages.PublishAsync(channel, "", queue, batch.MeasuredIds);
        }
        string[] arguments = ["peer", "tuned", "--queue", queue, "--sink-port", Text(sink.Port), .. TunedMassTransit.Arguments(connections, 8), "--retry"];
        try
        {
            await using (ChildProcess.Start(Repository.Benchmarks, arguments, broker.WorkerEnvironment()))
                return await SettleAsync(broker, sink, batch, rate, $"{queue}_error");
        }
        finally
        {
            await Queues.DeleteAsync(broker, [queue, $"{queue}_error"], [queue, $"{queue}_error"]);
        }
    }

    private static async Task<Result> SettleAsync(BrokerEndpoint broker, Sink sink, Batch batch, int rate, string failedQueue)
    {
        var deadline = DateTime.UtcNow + SettleTimeout;
        await using var connection = await broker.CreateFactory().CreateConnectionAsync();
        long failed;
        while ((failed = await CountAsync(connection, failedQueue)) + sink.Arrivals(batch).Delivered < batch.Measured)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"batch {batch.Prefix}: {sink.Arrivals(batch).Delivered} arrived and {failed} failed of {batch.Measured} within {SettleTimeout}");
            await Task.Delay(250);
        }
        await Task.Delay(500); // the sink logs its refusals every 200 ms
        var (delivered, from, to) = sink.Arrivals(batch);
        var refusals = sink.Refusals;
        var seconds = (to - from) / 1000.0;
        var changes = sink.RateChanges;
        var arrivals = sink.Receipts().Where(r => r.Recipient.StartsWith(batch.MeasuredRecipients, StringComparison.Ordinal)).Select(r => r.At).Order().ToArray();
        return new Result(delivered, delivered / seconds, AllowedMessages(rate, changes, from, to), refusals.Rate, refusals.Connections, failed,
            changes.Count == 0 ? 0 : FollowSeconds(arrivals, changes[^1]));
    }

    private static readonly long FollowWindowMs = 2000;

    /// <summary>From <paramref name="change"/> to the first 2 s window of arrivals at 90 % of its rate or more.</summary>
    private static double FollowSeconds(long[] arrivals, (long At, int Rate) change)
    {
        var wanted = 0.9 * change.Rate * FollowWindowMs / 1000.0;
        var end = 0;
        for (var start = 0; start < arrivals.Length; start++)
        {
            if (arrivals[start] < change.At)
                continue;
            while (end < arrivals.Length && arrivals[end] < arrivals[start] + FollowWindowMs)
                end++;
            if (end - start >= wanted)
                return (arrivals[start] - change.At) / 1000.0;
        }
        return arrivals.Length == 0 ? 0 : Math.Max(0, arrivals[^1] - change.At) / 1000.0;
    }

    /// <summary>The relay's rate integrated over [<paramref name="from"/>, <paramref name="to"/>] (unix ms): the messages it allowed.</summary>
    private static double AllowedMessages(int rate, IReadOnlyList<(long At, int Rate)> changes, long from, long to)
    {
        var allowed = 0.0;
        var (at, current) = (from, (double)rate);
        foreach (var change in changes.Where(c => c.At < to))
        {
            if (change.At > at)
                allowed += current * (change.At - at) / 1000.0;
            (at, current) = (Math.Max(at, change.At), change.Rate);
        }
        return allowed + current * (to - at) / 1000.0;
    }

    /// <summary>Ready messages of a queue; 0 when it does not exist (MassTransit declares <c>_error</c> at its first fault).</summary>
    private static async Task<long> CountAsync(RabbitMQ.Client.IConnection connection, string queue)
    {
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            return 0;
        }
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
