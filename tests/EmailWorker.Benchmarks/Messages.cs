using System.Text.Json;
using EmailWorker.Contracts;

namespace EmailWorker.Benchmarks;

/// <summary>The benchmark's messages: about 1 KiB of JSON each, a unique recipient per message so receipts can be matched.</summary>
internal static class Messages
{
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
}
