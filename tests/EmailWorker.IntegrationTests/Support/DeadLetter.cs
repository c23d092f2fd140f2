using System.Globalization;
using System.Text;

namespace EmailWorker.IntegrationTests.Support;

/// <summary>A message taken from the dead-letter queue: its body exactly as stored and its headers as text.</summary>
public sealed record DeadLetter(byte[] Body, IReadOnlyDictionary<string, object?> Headers)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value switch
    {
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        null => null,
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    } : null;

    public System.Text.Json.JsonElement History => System.Text.Json.JsonDocument.Parse(Header("email-history") ?? "[]").RootElement;

    /// <summary>The body's messageId, or empty when the body is not a JSON object (an invalid message).</summary>
    public string MessageId
    {
        get
        {
            try
            {
                using var document = System.Text.Json.JsonDocument.Parse(Body);
                return document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object && document.RootElement.TryGetProperty("messageId", out var id) ? id.GetString() ?? "" : "";
            }
            catch (System.Text.Json.JsonException)
            {
                return "";
            }
        }
    }

    /// <summary>Takes every dead letter out of the test's dead-letter queue (the test owns it).</summary>
    public static async Task<List<DeadLetter>> DrainAsync(WorkerTestContext context)
    {
        var connection = await context.ConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var letters = new List<DeadLetter>();
        while (await channel.BasicGetAsync(context.DeadQueue, autoAck: true) is { } result)
            letters.Add(new DeadLetter(result.Body.ToArray(), result.BasicProperties.Headers?.ToDictionary() ?? []));
        return letters;
    }
}
