using System.Text.Json;
using EmailWorker.SmtpSink;

namespace EmailWorker.IntegrationTests.Support;

/// <summary>
/// The fault suite's one bookkeeping: every (messageId, recipient) published in a scenario is accounted for in exactly one
/// bucket — delivered (copies counted at the SMTP server), dead-lettered (a letter in the test's dead-letter queue with its
/// failure record, standing for its <c>email-remaining-recipients</c> or, without that header, for all its recipients) or
/// still queued (work queue and retry tiers, read without consuming with <see cref="QueuePeek"/>). A pair in two buckets fails (delivered and also waiting would be a second send later), lost must be 0,
/// and copies are counted per pair: a pair received five times is four duplicates. A second copy is allowed only where
/// the scenario says a 250 or an ack may have been lost, never a third, and every copy of the pair carries the same
/// Message-ID. Each scenario prints one summary line, so CI logs list the scenarios with figures.
/// </summary>
public sealed class Reconciliation(string scenario)
{
    /// <summary>How long the queues may take to settle (nothing held unacked; empty unless messages are expected to wait).</summary>
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(60);

    private readonly Dictionary<string, Published> _published = new(StringComparer.Ordinal);

    /// <summary>What a scenario published: its messageId (or a label for a body without one), the body and its recipients.</summary>
    private sealed record Published(string Key, byte[] Body, string[] Recipients);

    /// <summary>The result of one reconciliation, per (messageId, recipient) pair; <see cref="Duplicates"/> counts copies beyond the first.</summary>
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
    /// Reconciles and asserts. First the queues settle: the work queue, every retry tier and <paramref name="extraQueues"/>
    /// become empty (ready and unacked 0) — or, with <paramref name="expectQueued"/>, hold nothing unacked (their messages
    /// wait, nobody holds them) — and the dead-letter queue holds nothing unacked. Then: lost = 0, each pair in one bucket
    /// only, no copy of anything unpublished, every letter with a failure record, at most one dead letter and one queued
    /// message per pair, and at most <paramref name="allowedDuplicates"/> duplicate copies in all, never more than one
    /// per pair (0 unless a 250 or an ack may have been lost), each pair's copies carrying one Message-ID. Takes the dead
    /// letters out of the test's queue; the worker should not be consuming the queued messages while this runs (stopped,
    /// or with nothing left to do).
    /// </summary>
    public async Task<Figures> AssertAsync(WorkerTestContext context, int allowedDuplicates = 0, IEnumerable<string>? extraQueues = null,
        bool expectQueued = false)
    {
        var waiting = context.WaitingQueues().Concat(extraQueues ?? []).ToList();
        await SettleAsync(context, waiting, expectQueued);
        DeadLetters = await DeadLetter.DrainAsync(context);
        var queued = await QueuePeek.AllAsync(context, waiting);
        var pairs = _published.Values.SelectMany(p => p.Recipients.Select(r => (p.Key, Recipient: r.ToLowerInvariant()))).Distinct().ToList();

        var copies = context.Smtp.Messages
            .SelectMany(m => m.Recipients.Select(r => (Key: WorkerTestContext.MessageIdOf(m.Data), Recipient: r, Message: m)))
            .GroupBy(c => (c.Key, Recipient: c.Recipient.ToLowerInvariant()))
            .ToDictionary(g => g.Key, g => g.Select(c => c.Message).ToList());
        var lettersPerPair = new Dictionary<(string, string), int>();
        var lettersWithoutRecord = new List<string>();
        foreach (var letter in DeadLetters)
        {
            var published = Match(letter.MessageId, letter.Body);
            if (letter.Header("email-failure-class") is null && letter.Header("x-first-death-reason") is null)
                lettersWithoutRecord.Add(published?.Key ?? letter.MessageId);
            if (published is null)
                continue;
            foreach (var recipient in RecipientsOf(letter.Header("email-remaining-recipients"), published))
                Increment(lettersPerPair, (published.Key, recipient.ToLowerInvariant()));
        }
        var queuedPerPair = new Dictionary<(string, string), int>();
        foreach (var message in queued)
        {
            if (Match(message.MessageId, message.Body) is { } published)
                foreach (var recipient in RecipientsOf(message.Header("email-remaining-recipients"), published))
                    Increment(queuedPerPair, (published.Key, recipient.ToLowerInvariant()));
        }

        int delivered = 0, duplicates = 0, dead = 0, stillQueued = 0;
        var lostPairs = new List<string>();
        var inTwoBuckets = new List<string>();
        var repeated = new List<string>();
        var mixedIds = new List<string>();
        foreach (var pair in pairs)
        {
            var name = $"{pair.Key}/{pair.Recipient}";
            var received = copies.GetValueOrDefault(pair) ?? [];
            var letters = lettersPerPair.GetValueOrDefault(pair);
            var waitingCopies = queuedPerPair.GetValueOrDefault(pair);
            var buckets = (received.Count > 0 ? 1 : 0) + (letters > 0 ? 1 : 0) + (waitingCopies > 0 ? 1 : 0);
            if (buckets == 0)
                lostPairs.Add(name);
            if (buckets > 1)
                inTwoBuckets.Add($"{name} (copies {received.Count}, dead letters {letters}, queued {waitingCopies})");
            if (received.Count > (allowedDuplicates > 0 ? 2 : 1))
                repeated.Add($"{name}: {received.Count} copies");
            if (letters > 1)
                repeated.Add($"{name}: {letters} dead letters");
            if (waitingCopies > 1)
                repeated.Add($"{name}: queued {waitingCopies} times");
            if (received.Count > 0)
            {
                delivered++;
                duplicates += received.Count - 1;
                if (received.Select(MessageIdHeader).Distinct(StringComparer.Ordinal).Count() != 1)
                    mixedIds.Add(name);
            }
            else if (letters > 0)
                dead++;
            else if (waitingCopies > 0)
                stillQueued++;
        }
        var publishedPairs = pairs.ToHashSet();
        var unexpected = copies.Keys.Where(k => !publishedPairs.Contains(k)).Select(k => $"{k.Key}/{k.Recipient}").ToList();
        var figures = new Figures(pairs.Count, delivered, duplicates, dead, stillQueued, lostPairs.Count, unexpected.Count);
        var line = $"[fault] {scenario}: {figures}";
        TestContext.Progress.WriteLine(line);

        Assert.Multiple(() =>
        {
            Assert.That(lostPairs, Is.Empty, $"lost = 0 ({line})");
            Assert.That(inTwoBuckets, Is.Empty, $"each pair delivered, dead-lettered or queued, never two of them ({line})");
            Assert.That(repeated, Is.Empty, $"at most one extra copy per pair, and only where a 250 or an ack may have been lost ({line})");
            Assert.That(duplicates, Is.LessThanOrEqualTo(allowedDuplicates), $"duplicate copies at the SMTP server ({line})");
            Assert.That(unexpected, Is.Empty, "no copy of anything not published");
            Assert.That(lettersWithoutRecord, Is.Empty, "every dead letter carries its failure record");
            Assert.That(mixedIds, Is.Empty, "every copy of a pair carries the same Message-ID");
            if (!expectQueued)
                Assert.That(stillQueued, Is.Zero, $"nothing left waiting ({line})");
        });
        return figures;
    }

    private static void Increment(Dictionary<(string, string), int> counts, (string, string) pair) =>
        counts[pair] = counts.GetValueOrDefault(pair) + 1;

    /// <summary>
    /// Waits until no queue holds anything unacked and, unless messages are expected to wait, the work queue and the tiers
    /// are empty: a message a consumer holds or a retry still due would otherwise be missed (lost) or delivered later (a
    /// duplicate the reconciliation never saw). A queue the scenario deleted has no figures and counts as settled.
    /// </summary>
    private static async Task SettleAsync(WorkerTestContext context, IReadOnlyList<string> waiting, bool expectQueued)
    {
        var last = "";
        var settled = await WorkerTestContext.EventuallyAsync(async () =>
        {
            var states = new List<string>();
            var ok = true;
            foreach (var queue in waiting.Append(context.DeadQueue))
            {
                var (present, counts) = await ReadSoonAfterAFaultAsync(context, queue);
                if (!present)
                    continue;
                if (counts is null)
                {
                    ok = false;
                    states.Add($"{queue}: no figures yet");
                    continue;
                }
                var mayHoldReady = expectQueued || queue == context.DeadQueue;
                ok &= counts.Unacked == 0 && (mayHoldReady || counts.Ready == 0);
                states.Add($"{queue}: {counts}");
            }
            last = string.Join("; ", states);
            return ok;
        }, SettleTimeout);
        Assert.That(settled, Is.True, $"the queues settled before reconciling: {last}");
    }

    /// <summary>A queue's counts; while the broker's management API is not answering yet (restarted by the scenario), none.</summary>
    private static async Task<(bool Present, QueueCounts? Counts)> ReadSoonAfterAFaultAsync(WorkerTestContext context, string queue)
    {
        try
        {
            return await QueueCounts.ReadIfPresentAsync(context.Broker, queue);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !TestContext.CurrentContext.CancellationToken.IsCancellationRequested)
        {
            return (true, null);
        }
    }

    private Published? Match(string messageId, byte[] body) =>
        messageId.Length > 0 && _published.TryGetValue(messageId, out var byId)
            ? byId
            : _published.Values.FirstOrDefault(p => p.Body.AsSpan().SequenceEqual(body));

    private static string[] RecipientsOf(string? remainingHeader, Published published) =>
        remainingHeader is null ? published.Recipients : JsonSerializer.Deserialize<string[]>(remainingHeader) ?? published.Recipients;

    private static string MessageIdHeader(ReceivedMessage message)
    {
        using var stream = new MemoryStream(message.Data);
        return MimeKit.MimeMessage.Load(stream).MessageId ?? "";
    }
}
