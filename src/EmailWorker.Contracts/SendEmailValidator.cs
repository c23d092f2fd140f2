using System.Buffers.Text;
using MimeKit;

namespace EmailWorker.Contracts;

/// <summary>
/// The rules a <see cref="SendEmail"/> must meet, shared by producers (refuse before publishing) and the worker
/// (dead-letter as <c>invalid</c> with the same codes).
/// </summary>
public static class SendEmailValidator
{
    private static readonly ParserOptions StrictAddresses = new()
    {
        AddressParserComplianceMode = RfcComplianceMode.Strict,
        AllowAddressesWithoutDomain = false,
        AllowUnquotedCommasInAddresses = false,
    };

    /// <summary>
    /// Checks every rule; with <paramref name="now"/>, a message whose <c>expiresAt</c> has passed, or whose <c>sendAt</c> is
    /// further ahead than <see cref="SendEmailLimits.SendAtHorizon"/>, is refused too.
    /// </summary>
    public static IReadOnlyList<ValidationError> Validate(SendEmail message, SendEmailLimits limits, DateTimeOffset? now = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(limits);
        var errors = new List<ValidationError>();
        if (now is { } instant && message.ExpiresAt is { } expiresAt && expiresAt <= instant)
            errors.Add(new(ValidationCodes.Expired, "expiresAt", $"{expiresAt:O} has passed; the message would never be delivered"));
        ValidateSendAt(message, limits, now, errors);
        ValidateMessageId(message.MessageId, errors);
        ValidateAddresses(message, limits, errors);
        NoLineBreaks(message.Subject, "subject", errors);
        NoLineBreaks(message.CorrelationId, "correlationId", errors);
        if (string.IsNullOrEmpty(message.Text) && string.IsNullOrEmpty(message.Html))
            errors.Add(new(ValidationCodes.MissingBody, "text", "give a text or an html body (or both)"));
        ValidateHeaders(message.Headers, errors);
        ValidateAttachments(message.Attachments, errors);
        ValidateRelay(message.Relay, limits.KnownRelays, errors);
        if (message.Stream is not null && !IsValidStreamName(message.Stream))
            errors.Add(new(ValidationCodes.InvalidStream, "stream", "not a stream name: use 1-64 characters of a-z, 0-9 and . _ - (lower case; not 'global'), or leave it out"));
        if (!EmailPriority.IsValid(message.Priority))
            errors.Add(new(ValidationCodes.InvalidPriority, "priority", "not a priority: use high, normal or bulk (lower case), or leave it out"));
        return errors;
    }

    private static void ValidateSendAt(SendEmail message, SendEmailLimits limits, DateTimeOffset? now, List<ValidationError> errors)
    {
        if (message.SendAt is not { } sendAt)
            return;
        if (message.ExpiresAt is { } expiresAt && sendAt > expiresAt)
            errors.Add(new(ValidationCodes.SendAtAfterExpiry, "sendAt", $"{sendAt:O} is after expiresAt {expiresAt:O}; the message would never be delivered"));
        if (now is { } instant && sendAt - instant > limits.SendAtHorizon)
            errors.Add(new(ValidationCodes.SendAtBeyondHorizon, "sendAt",
                $"{sendAt:O} is more than {limits.SendAtHorizon.TotalDays:0.##} days ahead; schedule it at most that far ahead"));
    }

    /// <summary>1–200 characters of [A-Za-z0-9._:@-] (DESIGN §2).</summary>
    public static bool IsValidMessageId(string? messageId) =>
        messageId is { Length: >= 1 and <= 200 } && messageId.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '@' or '-');

    private static void ValidateMessageId(string? messageId, List<ValidationError> errors)
    {
        if (string.IsNullOrEmpty(messageId))
            errors.Add(new(ValidationCodes.MissingMessageId, "messageId", "messageId is required"));
        else if (!IsValidMessageId(messageId))
            errors.Add(new(ValidationCodes.InvalidMessageId, "messageId", "use 1-200 characters of A-Z, a-z, 0-9 and . _ : @ -"));
    }

    private static void ValidateAddresses(SendEmail message, SendEmailLimits limits, List<ValidationError> errors)
    {
        var recipients = (message.To?.Count ?? 0) + (message.Cc?.Count ?? 0) + (message.Bcc?.Count ?? 0);
        if (recipients == 0)
            errors.Add(new(ValidationCodes.MissingRecipient, "to", "give at least one recipient in to, cc or bcc"));
        else if (recipients > limits.MaxRecipients)
            errors.Add(new(ValidationCodes.TooManyRecipients, "to", $"{recipients} recipients; at most {limits.MaxRecipients} are allowed"));

        if (message.From is null)
        {
            if (!limits.HasDefaultSender)
                errors.Add(new(ValidationCodes.MissingSender, "from", "give a sender: no default sender is configured"));
        }
        else
        {
            ValidateAddress(message.From, "from", errors);
        }
        ValidateList(message.To, "to", errors);
        ValidateList(message.Cc, "cc", errors);
        ValidateList(message.Bcc, "bcc", errors);
        ValidateList(message.ReplyTo, "replyTo", errors);
    }

    private static void ValidateList(IReadOnlyList<EmailAddress>? addresses, string field, List<ValidationError> errors)
    {
        for (var i = 0; i < (addresses?.Count ?? 0); i++)
            ValidateAddress(addresses![i], $"{field}[{i}]", errors);
    }

    private static void ValidateAddress(EmailAddress? address, string field, List<ValidationError> errors)
    {
        if (address is null || string.IsNullOrWhiteSpace(address.Address))
        {
            errors.Add(new(ValidationCodes.InvalidAddress, $"{field}.address", "the address is empty"));
            return;
        }
        if (HasLineBreak(address.Address) || HasLineBreak(address.Name))
        {
            errors.Add(new(ValidationCodes.HeaderInjection, field, "addresses and names must not contain CR or LF"));
            return;
        }
        if (!MailboxAddress.TryParse(StrictAddresses, address.Address, out var parsed) || !string.IsNullOrEmpty(parsed.Name) || !parsed.Address.Contains('@', StringComparison.Ordinal))
            errors.Add(new(ValidationCodes.InvalidAddress, $"{field}.address", "not a valid mail address (local@domain)"));
    }

    private static void ValidateHeaders(IReadOnlyDictionary<string, string>? headers, List<ValidationError> errors)
    {
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            if (!name.StartsWith("X-", StringComparison.OrdinalIgnoreCase) || name.Length < 3 || !name.All(IsHeaderNameChar))
                errors.Add(new(ValidationCodes.InvalidHeaderName, $"headers.{name}", "custom header names start with X- and use letters, digits and '-'"));
            if (value is null)
                errors.Add(new(ValidationCodes.InvalidHeaderValue, $"headers.{name}", "a header value must be a string, not null"));
            else
                NoLineBreaks(value, $"headers.{name}", errors);
        }
    }

    private static void ValidateAttachments(IReadOnlyList<EmailAttachment>? attachments, List<ValidationError> errors)
    {
        for (var i = 0; i < (attachments?.Count ?? 0); i++)
        {
            var attachment = attachments![i];
            var field = $"attachments[{i}]";
            if (attachment is null || string.IsNullOrWhiteSpace(attachment.FileName))
                errors.Add(new(ValidationCodes.InvalidAttachment, $"{field}.fileName", "the file name is empty"));
            else
                NoLineBreaks(attachment.FileName, $"{field}.fileName", errors);
            if (attachment is not null && !ContentType.TryParse(attachment.ContentType ?? "", out _))
                errors.Add(new(ValidationCodes.InvalidAttachment, $"{field}.contentType", "not a MIME type, e.g. application/pdf"));
            if (attachment is not null && attachment.ContentBase64 is null)
                errors.Add(new(ValidationCodes.InvalidAttachment, $"{field}.contentBase64", "the content is missing (null)"));
            else if (attachment is not null && !Base64.IsValid(attachment.ContentBase64))
                errors.Add(new(ValidationCodes.InvalidAttachment, $"{field}.contentBase64", "not valid base64"));
        }
    }

    /// <summary>1–64 characters of [A-Za-z0-9._-], the names <c>Smtp:Relays</c> allows.</summary>
    public static bool IsValidRelayName(string? relay) =>
        relay is { Length: >= 1 and <= 64 } && relay.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    /// <summary>The scope of the suppression entries that hold for every stream; no stream may take its name.</summary>
    public const string GlobalScope = "global";

    /// <summary>
    /// 1–64 characters of [a-z0-9._-], not <see cref="GlobalScope"/>. Lower case only: the name is a suppression scope,
    /// compared exactly, so <c>Broadcast</c> is refused rather than quietly taken for <c>broadcast</c>.
    /// </summary>
    public static bool IsValidStreamName(string? stream) =>
        stream is { Length: >= 1 and <= 64 } && stream != GlobalScope
        && stream.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-');

    private static void ValidateRelay(string? relay, IReadOnlyCollection<string>? known, List<ValidationError> errors)
    {
        if (relay is null)
            return;
        if (!IsValidRelayName(relay))
            errors.Add(new(ValidationCodes.UnknownRelay, "relay", "not a relay name: use 1-64 characters of A-Z, a-z, 0-9 and . _ -, or leave it out"));
        else if (known is not null && !known.Any(name => string.Equals(name, relay, StringComparison.OrdinalIgnoreCase)))
            errors.Add(new(ValidationCodes.UnknownRelay, "relay", $"'{relay}' is not a configured relay: use one of {string.Join(", ", known)}, or leave it out"));
    }

    private static void NoLineBreaks(string? value, string field, List<ValidationError> errors)
    {
        if (HasLineBreak(value))
            errors.Add(new(ValidationCodes.HeaderInjection, field, "must not contain CR or LF"));
    }

    private static bool HasLineBreak(string? value) => value is not null && value.AsSpan().IndexOfAny('\r', '\n') >= 0;

    private static bool IsHeaderNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '-';
}
