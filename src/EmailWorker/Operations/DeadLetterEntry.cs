using System.Globalization;
using System.Text.Json;
using EmailWorker.Contracts;
using EmailWorker.Delivery;
using RabbitMQ.Client;

namespace EmailWorker.Operations;

/// <summary>
/// One message in the dead-letter queue as an operator sees it: the failure record from our headers (or, for a message the
/// broker dead-lettered at the delivery limit, from its <c>x-death</c> headers) and a summary of the command in its body.
/// </summary>
internal sealed class DeadLetterEntry
{
    public DeadLetterEntry(ulong deliveryTag, IReadOnlyBasicProperties properties, byte[] body)
    {
        DeliveryTag = deliveryTag;
        Properties = properties;
        Body = body;
        Headers = properties.Headers ?? new Dictionary<string, object?>();
        Command = TryRead(body);
        State = DeliveryState.FromHeaders(Headers);
        var brokerReason = Text("x-first-death-reason");
        Class = Text(Delivery.Headers.FailureClass) ?? (brokerReason == "delivery_limit" ? "poison" : "unknown");
        Reason = Text(Delivery.Headers.FailureReason)
            ?? (brokerReason == "delivery_limit" ? "the work queue's delivery limit was reached: workers crashed or stalled on it" : brokerReason ?? "");
        MessageId = Command?.MessageId is { Length: > 0 } id ? id : properties.MessageId ?? "";
    }

    public ulong DeliveryTag { get; }

    public IReadOnlyBasicProperties Properties { get; }

    public byte[] Body { get; }

    public IDictionary<string, object?> Headers { get; }

    public SendEmail? Command { get; }

    /// <summary>Our headers read once: the history and the recipients this letter stands for.</summary>
    public DeliveryState State { get; }

    public string MessageId { get; }

    public string Class { get; }

    public string Reason { get; }

    public int? SmtpCode => DeliveryState.ReadInt(Headers, Delivery.Headers.SmtpCode);

    public string? EnhancedCode => Text(Delivery.Headers.SmtpEnhancedCode);

    public int Attempts => DeliveryState.ReadInt(Headers, Delivery.Headers.Attempts) ?? 0;

    public DateTimeOffset? FirstFailureAt => Time(Delivery.Headers.FirstFailureAt);

    public DateTimeOffset? LastFailureAt => Time(Delivery.Headers.LastFailureAt);

    public int ReplayCount => DeliveryState.ReadInt(Headers, Delivery.Headers.ReplayCount) ?? 0;

    /// <summary>The recipients this dead letter stands for: the ones named in its headers, else every recipient of the command.</summary>
    public IReadOnlyList<string> Recipients =>
        State.RemainingRecipients
        ?? (Command is null ? [] : [.. Command.To.Concat(Command.Cc).Concat(Command.Bcc).Select(a => a.Address)]);

    public IReadOnlyList<HistoryEntry> History => State.History;

    public string? Text(string header) => DeliveryState.ReadString(Headers, header);

    private DateTimeOffset? Time(string header) =>
        DateTimeOffset.TryParse(Text(header), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at) ? at : null;

    private static SendEmail? TryRead(byte[] body)
    {
        try
        {
            var command = JsonSerializer.Deserialize(body, ContractsJsonContext.Default.SendEmail);
            return command is null ? null : command with
            {
                To = command.To ?? [],
                Cc = command.Cc ?? [],
                Bcc = command.Bcc ?? [],
                Attachments = command.Attachments ?? [],
                Tags = command.Tags ?? new Dictionary<string, string>(),
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
