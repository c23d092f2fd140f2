using System.Text.Json;
using EmailWorker.Contracts;
using RabbitMQ.Client;

namespace EmailWorker.Benchmarks;

/// <summary>The benchmark's messages: about 1 KiB of JSON each, a unique recipient per message so receipts can be matched.</summary>
internal static class Messages
{
    private const int ConfirmWindow = 256;
    private static readonly string Text = new('x', 800);

    public static SendEmail Command(string id) => new()
    {
        MessageId = id,
        From = new EmailAddress { Address = "bench@example.com" },
        To = [new EmailAddress { Address = $"{id}@bench.test" }],
        Subject = "Benchmark message",
        Text = Text,
    };

    public static byte[] Json(string id) => JsonSerializer.SerializeToUtf8Bytes(Command(id), ContractsJsonContext.Default.SendEmail);

    /// <summary>Publishes one message per id on a confirming channel, <see cref="ConfirmWindow"/> confirms outstanding at most.</summary>
    public static async Task PublishAsync(IChannel channel, string exchange, string routingKey, IEnumerable<string> ids, BasicProperties? properties = null)
    {
        properties ??= new BasicProperties { Persistent = true, ContentType = "application/json" };
        var pending = new List<Task>(ConfirmWindow);
        foreach (var id in ids)
        {
            pending.Add(channel.BasicPublishAsync(exchange, routingKey, mandatory: true, properties, Json(id)).AsTask());
            if (pending.Count == ConfirmWindow)
            {
                await Task.WhenAll(pending);
                pending.Clear();
            }
        }
        await Task.WhenAll(pending);
    }
}
