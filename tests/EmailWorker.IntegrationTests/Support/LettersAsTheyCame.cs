using System.Text;
using System.Text.Json;
using RabbitMQ.Client;

namespace EmailWorker.IntegrationTests.Support;

/// <summary>
/// Letters no parser would take, made into dead letters the way production makes them: three bodies that are not JSON
/// published to the work queue (a worker dead-letters them as invalid), one plain, one with a terminal escape sequence,
/// a bidi override, a NUL and bytes that are not UTF-8, one of 1.5 MiB of every byte value; and a foreign letter published straight to the dead-letter
/// exchange with AMQP properties a worker's letters never carry as such (a transient delivery mode, an expiration as the
/// property itself), a priority and reply-to, and a header that is not UTF-8 text. Done
/// when the store lists all three; <see cref="LetterIdsAsync"/> reads their letter ids from <c>dlq list</c>.
/// </summary>
public static class LettersAsTheyCame
{
    public const string Plain = "raw-plain";
    public const string Escapes = "raw-escapes";
    public const string Foreign = "raw-foreign";
    public const string Large = "raw-large";

    /// <summary>Larger than what <c>dlq show --raw</c> prints (1 MiB) and the dashboard's raw view shows (64 KiB).</summary>
    public const int LargeBytes = 1536 * 1024;

    public const string Osc52 = "\u001b]52;c;ZXZpbA==\u0007";

    /// <summary>The bodies as published, by messageId.</summary>
    public static IReadOnlyDictionary<string, byte[]> Bodies { get; } = new Dictionary<string, byte[]>
    {
        [Plain] = "not json!"u8.ToArray(),
        [Escapes] = [.. Encoding.UTF8.GetBytes($"line1\r\n{Osc52}\u001b[2J\u202eexe.pdf\0"), 0xff, 0xfe, 0xc3, .. "\\end\n"u8],
        [Foreign] = [.. "from elsewhere "u8, 0x80],
        [Large] = [.. Enumerable.Range(0, LargeBytes).Select(i => (byte)(i % 251))],
    };

    public static async Task MakeAsync(WorkerTestContext context)
    {
        await using (var worker = await context.StartConsumingAsync())
        {
            var connection = await context.ConnectionAsync();
            await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true));
            foreach (var id in new[] { Plain, Escapes, Large })
            {
                var properties = new BasicProperties
                {
                    ContentType = "text/plain", AppId = "legacy-billing", CorrelationId = $"corr-{id}", MessageId = id, Type = "invoice",
                    Persistent = true, Headers = new Dictionary<string, object?> { ["x-producer"] = $"svc{Osc52}" },
                };
                await channel.BasicPublishAsync(context.WorkQueue, "", mandatory: true, properties, Bodies[id]);
            }
            var foreign = new BasicProperties
            {
                ContentType = "application/octet-stream", MessageId = Foreign, Priority = 7, ReplyTo = "replies", Expiration = "86400000",
                DeliveryMode = DeliveryModes.Transient, Headers = new Dictionary<string, object?> { ["x-origin"] = "elsewhere", ["x-token"] = new byte[] { 0xff, 0x01 } },
            };
            await channel.BasicPublishAsync(context.DeadQueue, "", mandatory: true, foreign, Bodies[Foreign]);
            Assert.That(await WorkerTestContext.EventuallyAsync(async () =>
                    await context.IsEmptyAsync(context.WorkQueue) && (await LetterIdsAsync(context)).Count == Bodies.Count, TimeSpan.FromSeconds(60)),
                Is.True, worker.Output);
        }
    }

    /// <summary>The stored letters' ids by messageId, from <c>dlq list --json</c>.</summary>
    public static async Task<Dictionary<string, string>> LetterIdsAsync(WorkerTestContext context)
    {
        var (exitCode, stdout, stderr) = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "list", "--json");
        Assert.That(exitCode, Is.Zero, stderr);
        return JsonDocument.Parse(stdout).RootElement.EnumerateArray()
            .ToDictionary(r => r.GetProperty("messageId").GetString()!, r => r.GetProperty("letterId").GetString()!);
    }
}
