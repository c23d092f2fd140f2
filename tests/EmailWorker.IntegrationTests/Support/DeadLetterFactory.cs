using System.Globalization;
using System.Text.Json;
using RabbitMQ.Client;

namespace EmailWorker.IntegrationTests.Support;

/// <summary>Puts dead letters with a failure record straight into a test's dead-letter queue, as the worker leaves them.</summary>
public static class DeadLetterFactory
{
    /// <summary>One at a time, each confirmed before the next: the queue (and the store after it) keeps this order.</summary>
    public static async Task PublishAsync(WorkerTestContext context, IEnumerable<(string MessageId, string Class, string To)> letters)
    {
        var connection = await context.ConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true));
        var at = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        foreach (var letter in letters)
        {
            var (properties, body) = Letter(letter, at);
            await channel.BasicPublishAsync(context.DeadQueue, "", mandatory: true, properties, body);
        }
    }

    /// <summary>Many letters fast: windows of 1,000 publishes whose confirms are awaited together (order not kept).</summary>
    public static async Task PublishBulkAsync(WorkerTestContext context, IEnumerable<(string MessageId, string Class, string To)> letters)
    {
        var connection = await context.ConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true, outstandingPublisherConfirmationsRateLimiter: null));
        var at = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        foreach (var window in letters.Chunk(1000))
        {
            await Task.WhenAll(window.Select(letter =>
            {
                var (properties, body) = Letter(letter, at);
                return channel.BasicPublishAsync(context.DeadQueue, "", mandatory: true, properties, body).AsTask();
            }));
        }
    }

    private static (BasicProperties, byte[]) Letter((string MessageId, string Class, string To) letter, string at)
    {
        var (messageId, failureClass, to) = letter;
        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            messageId,
            from = new { address = "shop@example.com" },
            to = new[] { new { address = to } },
            subject = $"Subject of {messageId}",
            text = "t",
            tags = new Dictionary<string, string> { ["tenant"] = "acme" },
        });
        var code = failureClass == "transient" ? 451 : 550;
        var history = JsonSerializer.Serialize(new[]
        {
            new { attempt = 1, at, outcome = "dead-lettered", @class = failureClass, smtpCode = code, message = $"{code} scripted", worker = "test" },
        });
        var properties = new BasicProperties
        {
            ContentType = "application/json",
            Persistent = true,
            Headers = new Dictionary<string, object?>
            {
                ["email-failure-class"] = failureClass,
                ["email-failure-reason"] = $"{code} scripted failure",
                ["email-smtp-code"] = code,
                ["email-attempt"] = 1,
                ["email-first-failure-at"] = at,
                ["email-last-failure-at"] = at,
                ["email-history"] = history,
            },
        };
        return (properties, body);
    }
}
