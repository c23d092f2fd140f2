using System.Text;
using System.Text.Json;
using EmailWorker.SmtpSink;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using EmailWorker.TestSupport;

namespace EmailWorker.IntegrationTests.Support;

/// <summary>
/// What one test needs: its own topology prefix on the shared broker or its fixture's own (deleted afterwards), a scripted SMTP server on a
/// loopback port, a plain AMQP connection for publishing and inspecting queues, and the worker's environment.
/// </summary>
public sealed class WorkerTestContext : IAsyncDisposable
{
    private IConnection? _connection;

    /// <param name="retrySchedule">The worker's retry delays.</param>
    /// <param name="ingestDeadLetters">Whether workers ingest the dead-letter queue into the store, as they do by default.
    /// Tests that inspect <c>email.dead</c> themselves (<see cref="DeadLetter.DrainAsync"/>) turn it off, so no ingester
    /// takes the letters first; the <c>dlq</c> commands drain the queue into the store either way.</param>
    public WorkerTestContext(string retrySchedule = "1s,2s", bool ingestDeadLetters = true)
    {
        Prefix = $"t{Guid.NewGuid():N}"[..13];
        RetrySchedule = retrySchedule;
        IngestDeadLetters = ingestDeadLetters;
        DataDirectory = Path.Combine(Path.GetTempPath(), "emailworker-tests", Prefix);
        Smtp = new ScriptedSmtpServer();
        Smtp.Start();
    }

    public string Prefix { get; }

    public string RetrySchedule { get; }

    /// <summary>
    /// Delays of tier queues beyond <see cref="RetrySchedule"/>'s that a test's own <c>Retry:</c> overrides make (another
    /// cause's schedule, jitter tiers): waiting queues too, checked and deleted like the others.
    /// </summary>
    public IReadOnlyList<string> MoreRetryTiers { get; init; } = [];

    public bool IngestDeadLetters { get; }

    /// <summary>This test's own dead-letter store (SQLite), shared by its workers and its <c>dlq</c> commands; deleted afterwards.</summary>
    public string DataDirectory { get; }

    public ScriptedSmtpServer Smtp { get; }

    public string WorkQueue => $"{Prefix}.send";

    public string DeadQueue => $"{Prefix}.dead";

    /// <summary>The shared broker, or a fixture's own (<see cref="FixtureBroker"/>).</summary>
    public BrokerEndpoint Broker { get; init; } = BrokerSetUp.Endpoint;

    /// <summary>The worker's environment: this test's broker, prefix, SMTP server and short retry delays, no listener.</summary>
    public Dictionary<string, string> WorkerEnvironment(IReadOnlyDictionary<string, string>? overrides = null)
    {
        var environment = Broker.WorkerEnvironment();
        environment["EMAILWORKER__TOPOLOGY__PREFIX"] = Prefix;
        environment["EMAILWORKER__SMTP__HOST"] = "127.0.0.1";
        environment["EMAILWORKER__SMTP__PORT"] = Smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        environment["EMAILWORKER__RETRY__SCHEDULE"] = RetrySchedule;
        environment["EMAILWORKER__RETRY__GREYLISTMINIMUM"] = "2s";
        // Every cause on RetrySchedule and no jitter, so the tier queues are exactly RetrySchedule's (a test may override).
        environment["EMAILWORKER__RETRY__MAILBOXFULL"] = "";
        environment["EMAILWORKER__RETRY__DOMAINFAILURE"] = "";
        environment["EMAILWORKER__RETRY__CONNECTIONFAILURE"] = "";
        environment["EMAILWORKER__RETRY__JITTERPERCENT"] = "0";
        environment["EMAILWORKER__DELIVERY__DEFAULTFROM"] = "noreply@example.com";
        environment["EMAILWORKER__DEADLETTERS__DATADIRECTORY"] = DataDirectory;
        if (!IngestDeadLetters)
            environment["EMAILWORKER__DEADLETTERS__INGEST"] = "false";
        // The suppression list off unless a test turns it on: many tests dead-letter a recipient with 550 5.1.1, "mend" the
        // relay and replay the letter, which the list would now hold back as a hard bounce (docs/suppression.md).
        environment["EMAILWORKER__SUPPRESSION__ENABLED"] = "false";
        // No metrics and health listener unless a test asks for one on a free port: the default :9464 would clash.
        environment["EMAILWORKER__OBSERVABILITY__URLS"] = "";
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>())
            environment[key] = value;
        return environment;
    }

    public WorkerProcess StartWorker(IReadOnlyDictionary<string, string>? overrides = null) => WorkerProcess.Start(WorkerEnvironment(overrides));

    /// <summary>Starts a worker and waits until it consumes the work queue.</summary>
    public async Task<WorkerProcess> StartConsumingAsync(IReadOnlyDictionary<string, string>? overrides = null)
    {
        var worker = StartWorker(overrides);
        Assert.That(await worker.WaitForOutputAsync("Worker consuming", TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        return worker;
    }

    public async Task<IConnection> ConnectionAsync()
    {
        // A fault scenario that stops the broker closes this connection: the next caller gets a new one rather than
        // waiting on the client's recovery.
        if (_connection is { IsOpen: false } closed)
        {
            _connection = null;
            await closed.DisposeAsync();
        }
        return _connection ??= await Broker.CreateFactory().CreateConnectionAsync();
    }

    /// <summary>Publishes plain JSON bodies with RabbitMQ.Client, as any non-.NET producer would: persistent, confirmed, mandatory.</summary>
    public async Task PublishJsonAsync(IEnumerable<object> messages)
    {
        var connection = await ConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true));
        foreach (var message in messages)
            await PublishRawAsync(channel, JsonSerializer.SerializeToUtf8Bytes(message));
    }

    public async Task PublishRawAsync(byte[] body, IDictionary<string, object?>? headers = null)
    {
        var connection = await ConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true));
        await PublishRawAsync(channel, body, headers);
    }

    private async Task PublishRawAsync(IChannel channel, byte[] body, IDictionary<string, object?>? headers = null)
    {
        var properties = new BasicProperties { ContentType = "application/json", Persistent = true, Headers = headers };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await channel.BasicPublishAsync(WorkQueue, "", mandatory: true, properties, body, timeout.Token);
    }

    /// <summary>Declares the work exchange and queue the way the worker does, so messages can wait before a worker runs.</summary>
    public async Task DeclareWorkQueueAsync(int deliveryLimit = 20)
    {
        var connection = await ConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(WorkQueue, ExchangeType.Fanout, durable: true);
        await channel.QueueDeclareAsync(WorkQueue, durable: true, exclusive: false, autoDelete: false, new Dictionary<string, object?>
        {
            ["x-queue-type"] = "quorum",
            ["x-delivery-limit"] = deliveryLimit,
            ["x-dead-letter-exchange"] = DeadQueue,
            ["x-dead-letter-strategy"] = "at-least-once",
            ["x-overflow"] = "reject-publish",
        });
        await channel.QueueBindAsync(WorkQueue, WorkQueue, "");
        // The broker dead-letters to this exchange when the delivery limit is reached: it must exist before a worker runs.
        await channel.ExchangeDeclareAsync(DeadQueue, ExchangeType.Fanout, durable: true);
        await channel.QueueDeclareAsync(DeadQueue, durable: true, exclusive: false, autoDelete: false, new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
        await channel.QueueBindAsync(DeadQueue, DeadQueue, "");
    }

    /// <summary>
    /// Ready messages of a queue, from queue.declare-ok. On quorum queues this leaves out what consumers hold unacked: to
    /// say a queue is empty use <see cref="IsEmptyAsync"/>.
    /// </summary>
    public async Task<uint> MessageCountAsync(string queue)
    {
        var connection = await ConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var ok = await channel.QueueDeclarePassiveAsync(queue);
        return ok.MessageCount;
    }

    /// <summary>Ready and unacknowledged counts from the management API; null until the broker has statistics for the queue.</summary>
    public Task<QueueCounts?> QueueCountsAsync(string queue) => QueueCounts.ReadAsync(Broker, queue);

    /// <summary>
    /// True only when the queue has neither ready nor unacknowledged messages: AMQP's ready count (current) and the
    /// management API's ready and unacked counts (which trail by a second) must all be 0. Poll it with <see cref="EventuallyAsync"/>.
    /// A quorum queue left idle since a node restart (a retry tier nobody used after a kill -9) may publish no statistics
    /// for minutes; then a queue without a consumer counts as empty on AMQP's ready count alone — unacknowledged messages
    /// are held by consumers, and nothing here takes messages with basic.get while the worker runs.
    /// </summary>
    public async Task<bool> IsEmptyAsync(string queue) => await EmptinessAsync(queue) is { Empty: true };

    /// <summary>
    /// Polls <see cref="IsEmptyAsync"/> until it holds; false when it did not within the timeout (default 15 s). While the
    /// queue has a consumer it must hold for <see cref="StatisticsLag"/> without a break (the check may then take that much
    /// past the timeout): a consumer that has just taken every message leaves AMQP's ready count at 0 at once, while the
    /// management API still says 0 unacknowledged from before it took them. Without a consumer nothing can be unacked.
    /// </summary>
    public async Task<bool> BecomesEmptyAsync(string queue, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15)) + StatisticsLag;
        DateTime? emptySince = null;
        while (true)
        {
            var now = DateTime.UtcNow;
            var (empty, consumed) = await EmptinessAsync(queue);
            if (empty && !consumed)
                return true;
            emptySince = empty ? emptySince ?? now : null;
            if (emptySince is { } since && now - since >= StatisticsLag)
                return true;
            if (now >= deadline)
                return false;
            await Task.Delay(100, TestContext.CurrentContext.CancellationToken);
        }
    }

    private async Task<(bool Empty, bool Consumed)> EmptinessAsync(string queue)
    {
        var connection = await ConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var ok = await channel.QueueDeclarePassiveAsync(queue);
        var consumed = ok.ConsumerCount > 0;
        if (ok.MessageCount != 0)
            return (false, consumed);
        return (await QueueCountsAsync(queue) is { } counts ? counts.IsEmpty : !consumed, consumed);
    }

    /// <summary>
    /// How long the management API's counts may trail the queue: the tests' node ticks its quorum queues every 500 ms and
    /// collects statistics every second (ThrowawayRabbitNode), with room for a loaded machine.
    /// </summary>
    private static readonly TimeSpan StatisticsLag = TimeSpan.FromSeconds(2);

    public async Task<uint> ConsumerCountAsync(string queue)
    {
        var connection = await ConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var ok = await channel.QueueDeclarePassiveAsync(queue);
        return ok.ConsumerCount;
    }

    /// <summary>
    /// Polls until <paramref name="condition"/> holds; false when the timeout passed first. The test's own timeout
    /// (<c>[CancelAfter]</c>) ends the wait too.
    /// </summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
                return true;
            await Task.Delay(100, TestContext.CurrentContext.CancellationToken);
        }
        return await condition();
    }

    /// <summary>The distinct messageIds (from the Message-ID header) the SMTP server accepted.</summary>
    public HashSet<string> DeliveredMessageIds() =>
        Smtp.Messages.Select(m => MessageIdOf(m.Data)).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// The copies the SMTP server accepted, per recipient (a message to three recipients counts once for each), in arrival
    /// order: what stop and outage tests compare with exact counts.
    /// </summary>
    public Dictionary<string, List<ReceivedMessage>> CopiesByRecipient() =>
        Smtp.Messages.SelectMany(m => m.Recipients.Select(r => (Recipient: r, Message: m)))
            .GroupBy(c => c.Recipient, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Select(c => c.Message).ToList(), StringComparer.OrdinalIgnoreCase);

    public static string MessageIdOf(byte[] data)
    {
        using var stream = new MemoryStream(data);
        var message = MimeKit.MimeMessage.Load(stream);
        return (message.MessageId ?? "").Split('@')[0];
    }

    /// <summary>Stops the SMTP server and deletes the test's store and topology; each step bounded and tolerant (see <see cref="Cleanup"/>).</summary>
    public async ValueTask DisposeAsync()
    {
        await Cleanup.QuietlyAsync(_ => Smtp.DisposeAsync().AsTask());
        await Cleanup.QuietlyAsync(_ =>
        {
            if (Directory.Exists(DataDirectory))
                Directory.Delete(DataDirectory, recursive: true);
            return Task.CompletedTask;
        });
        if (_connection is null)
            return;
        await Cleanup.QuietlyAsync(async token =>
        {
            // A new connection when the shared one did not survive the scenario's fault.
            var connection = await ConnectionAsync();
            // Every queue of the prefix the broker lists too: one a worker declared beyond the expected ones is not left behind.
            var listed = await ListedQueuesAsync();
            await using (var channel = await connection.CreateChannelAsync(cancellationToken: token))
            {
                foreach (var queue in QueueNames().Union(listed))
                    await DeleteQuietlyAsync(() => channel.QueueDeleteAsync(queue, cancellationToken: token));
            }
            await using (var channel = await connection.CreateChannelAsync(cancellationToken: token))
            {
                foreach (var exchange in new[] { "send", "send.high", "send.bulk", "retry", "dead", "events" })
                    await DeleteQuietlyAsync(() => channel.ExchangeDeleteAsync($"{Prefix}.{exchange}", cancellationToken: token));
            }
        });
        var shared = _connection;
        _connection = null;
        if (shared is not null)
        {
            await Cleanup.QuietlyAsync(token => shared.CloseAsync(200, "test done", TimeSpan.FromSeconds(5), abort: false, token));
            await Cleanup.QuietlyAsync(_ => shared.DisposeAsync().AsTask());
        }
    }

    private async Task<IReadOnlyList<string>> ListedQueuesAsync()
    {
        try
        {
            return await BrokerQueues.NamesAsync(Broker, Prefix + ".");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            // No management API to ask (or it did not answer): the expected queues are still deleted.
            return [];
        }
    }

    /// <summary>Every queue the worker declares: the normal lane's waiting queues, the other lanes', the dead letters.</summary>
    public IEnumerable<string> QueueNames() => WaitingQueues().Concat(LaneQueues("high")).Concat(LaneQueues("bulk")).Append(DeadQueue);

    /// <summary>The work queue and retry tiers of the lane <paramref name="lane"/> (high or bulk), e.g. <c>t….send.high</c>, <c>t….retry.high.1s</c>.</summary>
    public IEnumerable<string> LaneQueues(string lane) =>
        new[] { $"{WorkQueue}.{lane}" }.Concat(RetrySchedule.Split(',').Concat(MoreRetryTiers).Select(d => $"{Prefix}.retry.{lane}.{d.Trim()}"));

    /// <summary>Where a message waits for delivery: the work queue and every retry tier.</summary>
    public IEnumerable<string> WaitingQueues() =>
        new[] { WorkQueue }.Concat(RetrySchedule.Split(',').Concat(MoreRetryTiers).Select(d => $"{Prefix}.retry.{d.Trim()}"));

    private static async Task DeleteQuietlyAsync(Func<Task> delete)
    {
        try
        {
            await delete();
        }
        catch (OperationInterruptedException)
        {
            // Already gone: a missing queue closes the channel; the next test uses a new prefix anyway.
        }
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
