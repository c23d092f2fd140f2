using System.Text.Json;
using EmailWorker.Contracts;
using EmailWorker.Outcomes;
using EmailWorker.Routing;
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
        Message = new IncomingMessage(body, properties);
        Headers = properties.Headers ?? new Dictionary<string, object?>();
        Command = TryRead(body);
        State = HeaderCodec.ReadState(Headers);
        Failure = HeaderCodec.ReadFailure(Headers);
        var brokerReason = Text(HeaderNames.BrokerFirstDeathReason);
        Class = Failure is { } failure ? failure.Class.Name() : brokerReason == "delivery_limit" ? "poison" : "unknown";
        Reason = Failure?.Reason
            ?? (brokerReason == "delivery_limit" ? "the work queue's delivery limit was reached: workers crashed or stalled on it" : brokerReason ?? "");
        MessageId = Command?.MessageId is { Length: > 0 } id ? id : properties.MessageId ?? "";
    }

    public ulong DeliveryTag { get; }

    /// <summary>The letter as it came from the queue: what a replay publishes again.</summary>
    public IncomingMessage Message { get; }

    public IReadOnlyBasicProperties Properties => Message.Properties;

    public ReadOnlyMemory<byte> Body => Message.Body;

    public IDictionary<string, object?> Headers { get; }

    public SendEmail? Command { get; }

    /// <summary>Our headers read once: the attempts, the history and the recipients this letter stands for.</summary>
    public AttemptState State { get; }

    public FailureRecord? Failure { get; }

    public string MessageId { get; }

    public string Class { get; }

    public string Reason { get; }

    public int? SmtpCode => Failure?.SmtpCode;

    public string? EnhancedCode => Failure?.EnhancedCode;

    public int Attempts => State.Attempts;

    public DateTimeOffset? FirstFailureAt => Failure?.FirstFailureAt;

    public DateTimeOffset? LastFailureAt => Failure?.LastFailureAt;

    public int ReplayCount => State.ReplayCount;

    /// <summary>The recipients this dead letter stands for: the ones named in its headers, else every recipient of the command.</summary>
    public IReadOnlyList<string> Recipients =>
        State.Recipients
        ?? (Command is null ? [] : [.. Command.To.Concat(Command.Cc).Concat(Command.Bcc).Select(a => a.Address)]);

    public IReadOnlyList<HistoryEntry> History => State.History;

    public string? Text(string header) => HeaderCodec.ReadString(Headers, header);

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
