using System.Text.Json;
using EmailWorker.Configuration;
using EmailWorker.Contracts;
using Microsoft.Extensions.Options;

namespace EmailWorker.Messages;

/// <summary>
/// Turns a delivery's body into a validated <see cref="SendEmail"/>. Accepts the plain JSON of DESIGN §2 from any client and
/// the MassTransit envelope (content type <c>application/vnd.masstransit+json</c>, the command under <c>message</c>).
/// </summary>
internal sealed class SendEmailReader(IOptions<DeliveryOptions> options, IOptions<SmtpOptions> smtp)
{
    private readonly IReadOnlyCollection<string> _relays = [.. RelaySettings.All(smtp.Value).Select(relay => relay.Name)];

    private const string MassTransitContentType = "application/vnd.masstransit+json";

    public ReadResult Read(ReadOnlyMemory<byte> body, string? contentType)
    {
        var delivery = options.Value;
        if (body.Length > delivery.MaxMessageBytes)
            return ReadResult.Invalid(ValidationCodes.TooLarge, "body", $"{body.Length} bytes; at most {delivery.MaxMessageBytes} are accepted");

        SendEmail? message;
        try
        {
            message = IsMassTransitEnvelope(contentType) ? ReadEnvelope(body) : Deserialize(body.Span);
        }
        catch (JsonException ex)
        {
            // The parser's message names the position, not the content: safe to record.
            return ReadResult.Invalid(ValidationCodes.NotJson, ex.Path ?? "body", $"not a SendEmail JSON object: {ex.Message}");
        }
        if (message is null)
            return ReadResult.Invalid(ValidationCodes.NotJson, "body", "the body is JSON null, not a SendEmail object");

        message = WithEmptyListsForMissingOnes(message);
        var limits = new SendEmailLimits { HasDefaultSender = !string.IsNullOrEmpty(delivery.DefaultFrom), KnownRelays = _relays };
        return new ReadResult(message, SendEmailValidator.Validate(message, limits));
    }

    // A field left out or sent as null arrives as null from the serializer; the rest of the worker sees empty lists.
    private static SendEmail WithEmptyListsForMissingOnes(SendEmail message) => message with
    {
        To = message.To ?? [],
        Cc = message.Cc ?? [],
        Bcc = message.Bcc ?? [],
        ReplyTo = message.ReplyTo ?? [],
        Attachments = message.Attachments ?? [],
        Headers = message.Headers ?? new Dictionary<string, string>(),
        Tags = message.Tags ?? new Dictionary<string, string>(),
    };

    private static bool IsMassTransitEnvelope(string? contentType) =>
        contentType is not null && contentType.StartsWith(MassTransitContentType, StringComparison.OrdinalIgnoreCase);

    private static SendEmail? ReadEnvelope(ReadOnlyMemory<byte> body)
    {
        using var envelope = JsonDocument.Parse(body);
        if (envelope.RootElement.ValueKind != JsonValueKind.Object || !envelope.RootElement.TryGetProperty("message", out var inner))
            throw new JsonException("the MassTransit envelope has no 'message' property");
        return inner.Deserialize(ContractsJsonContext.Default.SendEmail);
    }

    private static SendEmail? Deserialize(ReadOnlySpan<byte> json) => JsonSerializer.Deserialize(json, ContractsJsonContext.Default.SendEmail);
}
