using System.Text;
using EmailWorker.Configuration;
using EmailWorker.DeadLetters.Store;
using RabbitMQ.Client;

namespace EmailWorker.DeadLetters.Tests;

/// <summary>Dead letters on a real broker: made as the worker's mover makes them, published with confirms, cleaned up.</summary>
internal static class Traffic
{
    public sealed record Letter(BasicProperties Properties, byte[] Body);

    /// <summary>A dead letter as the worker's mover writes it.</summary>
    public static Letter OurLetter(int number)
    {
        var id = $"ours-{number:D5}";
        var headers = new Dictionary<string, object?>
        {
            ["email-failure-class"] = "permanent",
            ["email-failure-reason"] = $"<{id}@example.org>: Recipient address rejected: User unknown",
            ["email-smtp-code"] = 550,
            ["email-smtp-enhanced-code"] = "5.1.1",
            ["email-smtp-reply"] = $"<{id}@example.org>: Recipient address rejected: User unknown",
            ["email-attempt"] = 1,
            ["email-attempts"] = 1,
            ["email-first-failure-at"] = "2026-11-29T10:00:00.0000000+00:00",
            ["email-last-failure-at"] = "2026-11-29T10:00:00.0000000+00:00",
            ["email-remaining-recipients"] = $"[\"{id}@example.org\"]",
            ["email-history"] = $$"""[{"attempt":1,"at":"2026-11-29T10:00:00+00:00","outcome":"failed","class":"permanent","smtpCode":550,"enhancedCode":"5.1.1","message":"User unknown","worker":"w1"}]""",
        };
        return new Letter(new BasicProperties { Persistent = true, ContentType = "application/json", Headers = headers }, Body(id));
    }

    public static Letter ForeignLetter(int number) => number % 2 == 0
        ? new Letter(new BasicProperties { Persistent = true }, Encoding.UTF8.GetBytes($$"""{"messageId":"foreign-{{number}}","whatever":1}"""))
        : new Letter(new BasicProperties { Persistent = true, MessageId = $"foreign-{number}" }, Encoding.UTF8.GetBytes($"plain text {number}"));

    public static byte[] Body(string id) =>
        Encoding.UTF8.GetBytes($$"""{"messageId":"{{id}}","from":{"address":"shop@example.com"},"to":[{"address":"{{id}}@example.org"}],"subject":"s","text":"t"}""");

    public static async Task PublishAsync(IConnection connection, string exchange, IEnumerable<Letter> letters, CancellationToken cancellation)
    {
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true), cancellation);
        var pending = new List<Task>(1000);
        foreach (var letter in letters)
        {
            pending.Add(channel.BasicPublishAsync(exchange, "", mandatory: true, letter.Properties, letter.Body, cancellation).AsTask());
            if (pending.Count == 1000)
            {
                await Task.WhenAll(pending);
                pending.Clear();
            }
        }
        await Task.WhenAll(pending);
    }

    public static async Task DeleteTopologyAsync(IConnection connection, TopologyNames names)
    {
        await using var channel = await connection.CreateChannelAsync();
        foreach (var queue in names.Tiers.Select(t => t.QueueName).Append(names.Work).Append(names.Dead))
            await channel.QueueDeleteAsync(queue);
        foreach (var exchange in new[] { names.Work, names.RetryExchange, names.Dead, names.Events })
            await channel.ExchangeDeleteAsync(exchange);
    }

    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, CancellationToken cancellation, TimeSpan? pause = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(180);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
                return true;
            await Task.Delay(pause ?? TimeSpan.FromMilliseconds(200), cancellation);
        }
        return false;
    }

    /// <summary>
    /// The messageIds of every letter in the store (any state), sorted: compared with the expected list, a lost letter and
    /// a duplicated one cannot cancel out as they do in a count.
    /// </summary>
    public static async Task<List<string>> StoredIdsAsync(IDeadLetterStore store, CancellationToken cancellation) =>
        [.. (await ToListAsync(store.StreamAsync(new LetterSelection { State = null }, cancellationToken: cancellation))).Select(l => l.MessageId).Order(StringComparer.Ordinal)];

    /// <summary>The messageIds of <see cref="OurLetter"/> numbers <paramref name="from"/> to <paramref name="from"/> + <paramref name="count"/> - 1, sorted.</summary>
    public static List<string> OurIds(int from, int count) =>
        [.. Enumerable.Range(from, count).Select(i => $"ours-{i:D5}").Order(StringComparer.Ordinal)];

    public static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items)
            list.Add(item);
        return list;
    }
}
