using System.Text.Json;
using EmailWorker.SmtpSink;

namespace EmailWorker.IntegrationTests.Support;

/// <summary>
/// The fault suite's one bookkeeping: every (messageId, recipient) published in a scenario is accounted for as delivered
/// (a copy counted at the SMTP server), dead-lettered (a letter in the test's dead-letter queue with its failure record,
/// standing for its <c>email-remaining-recipients</c> or, without that header, for all its recipients) or still queued
/// (work queue and retry tiers, read without consuming: got without ack, then returned by closing the channel). Lost must
/// be 0; a second copy is allowed only where the scenario says a 250 may have been lost in transit, and then every copy of
/// the pair carries the same Message-ID. Each scenario prints one summary line, so CI logs list the scenarios with figures.
/// </summary>
public sealed class Reconciliation(string scenario)
{
    private readonly Dictionary<string, Published> _published = new(StringComparer.Ordinal);

    /// <summary>What a scenario published: its messageId (or a label for a body without one), the body and its recipients.</summary>
    private sealed record Published(string Key, byte[] Body, string[] Recipients);

    /// <summary>The result of one reconciliation, per (messageId, recipient) pair.</summary>
    public sealed record Figures(int Published, int Delivered, int Duplicates, int DeadLettered, int Queued, int Lost, int Unexpected)
    {
        public override string ToString() =>
            $"published={Published} delivered={Delivered} duplicates={Duplicates} dead-lettered={DeadLettered} queued={Queued} lost={Lost} unexpected={Unexpected}";
    }

    /// <summary>The letters read from the dead-letter queue by the last reconciliation, for scenario-specific checks.</summary>
    public IReadOnlyList<DeadLetter> DeadLetters { get; private set; } = [];

    public int PairCount => _published.Values.Sum(p => p.Recipients.Length);

    /// <summary>Records a JSON message with its recipients (the pairs to account for) and returns it for publishing.</summary>
    public object Add(string messageId, params string[] recipients)
    {
        var message = new
        {
            messageId,
            to = recipients.Select(r => new { address = r }).ToArray(),
            subject = "fault",
            text = $"Body of {messageId}",
        };
        _published[messageId] = new Published(messageId, JsonSerializer.SerializeToUtf8Bytes(message), recipients);
        return message;
    }

    /// <summary>Records a raw body (possibly not JSON at all) under a label; its recipients as the scenario knows them.</summary>
    public byte[] AddRaw(string label, byte[] body, params string[] recipients)
    {
        _published[label] = new Published(label, body, recipients.Length == 0 ? [""] : recipients);
        return body;
    }

    /// <summary>The bodies of everything added so far, in order, for <see cref="WorkerTestContext.PublishJsonAsync"/>-like publishing.</summary>
    public IEnumerable<byte[]> Bodies => _published.Values.Select(p => p.Body);

    /// <summary>
    /// Reconciles and asserts: lost = 0, no copy of anything unpublished, every letter with a failure record, and at most
    /// <paramref name="allowedDuplicates"/> pairs with a second copy (0 unless a 250 may have been lost), each such pair's
    /// copies carrying one Message-ID. Takes the dead letters out of the test's queue; the worker should not be consuming
    /// the queued messages while this runs (stopped, or with nothing left to do).
    /// </summary>
    public async Task<Figures> AssertAsync(WorkerTestContext context, int allowedDuplicates = 0, IEnumerable<string>? extraQueues = null)
    {
        DeadLetters = await DeadLetter.DrainAsync(context);
        var queued = await PeekQueuedAsync(context, extraQueues ?? []);
        var pairs = _published.Values.SelectMany(p => p.Recipients.Select(r => (p.Key, Recipient: r))).ToList();

        var copies = context.Smtp.Messages
            .SelectMany(m => m.Recipients.Select(r => (Key: WorkerTestContext.MessageIdOf(m.Data), Recipient: r, Message: m)))
            .GroupBy(c => (c.Key, Recipient: c.Recipient.ToLowerInvariant()))
            .ToDictionary(g => g.Key, g => g.Select(c => c.Message).ToList());
        var deadPairs = new HashSet<(string, string)>();
        var lettersWithoutRecord = new List<string>();
        foreach (var letter in DeadLetters)
        {
            var published = Match(letter.MessageId, letter.Body);
            if (letter.Header("email-failure-class") is null && letter.Header("x-first-death-reason") is null)
                lettersWithoutRecord.Add(published?.Key ?? letter.MessageId);
            if (published is null)
                continue;
            foreach (var recipient in RecipientsOf(letter.Header("email-remaining-recipients"), published))
                deadPairs.Add((published.Key, recipient.ToLowerInvariant()));
        }
        var queuedPairs = new HashSet<(string, string)>();
        foreach (var (body, remaining) in queued)
        {
            if (Match(MessageIdOf(body), body) is { } published)
                foreach (var recipient in RecipientsOf(remaining, published))
                    queuedPairs.Add((published.Key, recipient.ToLowerInvariant()));
        }

        int delivered = 0, duplicates = 0, dead = 0, waiting = 0, lost = 0;
        var lostPairs = new List<string>();
        var mixedIds = new List<string>();
        foreach (var (key, recipient) in pairs)
        {
            var pair = (key, recipient.ToLowerInvariant());
            if (copies.TryGetValue(pair, out var received))
            {
                delivered++;
                duplicates += received.Count - 1;
                if (received.Select(m => MessageIdHeader(m)).Distinct(StringComparer.Ordinal).Count() != 1)
                    mixedIds.Add($"{key}/{recipient}");
            }
            else if (deadPairs.Contains(pair))
                dead++;
            else if (queuedPairs.Contains(pair))
                waiting++;
            else
            {
                lost++;
                lostPairs.Add($"{key}/{recipient}");
            }
        }
        var publishedPairs = pairs.Select(p => (p.Key, p.Recipient.ToLowerInvariant())).ToHashSet();
        var unexpected = copies.Keys.Where(k => !publishedPairs.Contains(k)).Select(k => $"{k.Key}/{k.Recipient}").ToList();
        var figures = new Figures(pairs.Count, delivered, duplicates, dead, waiting, lost, unexpected.Count);
        var line = $"[fault] {scenario}: {figures}";
        TestContext.Progress.WriteLine(line);

        var pairsWithCopies = copies.Count(c => c.Value.Count > 1);
        Assert.Multiple(() =>
        {
            Assert.That(lostPairs, Is.Empty, $"lost = 0 ({line})");
            Assert.That(unexpected, Is.Empty, "no copy of anything not published");
            Assert.That(lettersWithoutRecord, Is.Empty, "every dead letter carries its failure record");
            Assert.That(pairsWithCopies, Is.LessThanOrEqualTo(allowedDuplicates), $"second copies only where a 250 may have been lost ({line})");
            Assert.That(mixedIds, Is.Empty, "every copy of a pair carries the same Message-ID");
        });
        return figures;
    }

    private Published? Match(string messageId, byte[] body) =>
        messageId.Length > 0 && _published.TryGetValue(messageId, out var byId)
            ? byId
            : _published.Values.FirstOrDefault(p => p.Body.AsSpan().SequenceEqual(body));

    private static string[] RecipientsOf(string? remainingHeader, Published published) =>
        remainingHeader is null ? published.Recipients : JsonSerializer.Deserialize<string[]>(remainingHeader) ?? published.Recipients;

    private static string MessageIdOf(byte[] body) => new DeadLetter(body, new Dictionary<string, object?>()).MessageId;

    private static string MessageIdHeader(ReceivedMessage message)
    {
        using var stream = new MemoryStream(message.Data);
        return MimeKit.MimeMessage.Load(stream).MessageId ?? "";
    }

    /// <summary>
    /// Every message in the work queue and the retry tiers, without taking it: got without ack on one channel, which is
    /// then closed so the broker returns them all. Each return counts towards the delivery limit (20 in the tests): read once.
    /// </summary>
    private static async Task<List<(byte[] Body, string? Remaining)>> PeekQueuedAsync(WorkerTestContext context, IEnumerable<string> extraQueues)
    {
        var queues = new[] { context.WorkQueue }
            .Concat(context.RetrySchedule.Split(',').Select(d => $"{context.Prefix}.retry.{d.Trim()}"))
            .Concat(extraQueues);
        var found = new List<(byte[], string?)>();
        // A connection of its own, opened now: the test's shared one may still be recovering from a broker the scenario
        // killed (its RPCs then time out), and closing this one returns every peeked message.
        await using var connection = await context.Broker.CreateFactory().CreateConnectionAsync();
        foreach (var queue in queues)
        {
            var channel = await connection.CreateChannelAsync();
            try
            {
                while (await channel.BasicGetAsync(queue, autoAck: false) is { } result)
                {
                    var headers = result.BasicProperties.Headers?.ToDictionary() ?? [];
                    found.Add((result.Body.ToArray(), new DeadLetter([], headers).Header("email-remaining-recipients")));
                }
            }
            catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
            {
                // The queue does not exist (e.g. the scenario deleted it): nothing queued there.
            }
            finally
            {
                if (channel.IsOpen)
                    await channel.CloseAsync(200, "peeked", abort: false, TestContext.CurrentContext.CancellationToken);
                await channel.DisposeAsync();
            }
        }
        return found;
    }
}
