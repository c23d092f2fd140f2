using EmailWorker.Configuration;
using EmailWorker.Contracts;
using Microsoft.Extensions.Options;
using MimeKit;

namespace EmailWorker.Delivery;

/// <summary>Builds the MIME message and the SMTP envelope (sender, recipients) for a validated command.</summary>
internal sealed class MimeMessageFactory(IOptions<DeliveryOptions> options)
{
    public OutgoingMail Create(SendEmail command, IReadOnlyCollection<string>? onlyRecipients = null)
    {
        var delivery = options.Value;
        var from = command.From is { } sender ? ToMailbox(sender) : delivery.DefaultSender()!;
        var message = new MimeMessage
        {
            MessageId = MessageIdHeader.Derive(command.MessageId, delivery.MessageIdDomain),
            Subject = command.Subject ?? "",
            Date = DateTimeOffset.UtcNow,
        };
        message.From.Add(from);
        message.To.AddRange(command.To.Select(ToMailbox));
        message.Cc.AddRange(command.Cc.Select(ToMailbox));
        message.ReplyTo.AddRange(command.ReplyTo.Select(ToMailbox));
        // Bcc recipients are in the SMTP envelope only, never in a header.
        foreach (var (name, value) in command.Headers)
            message.Headers.Add(name, value);
        message.Body = CreateBody(command);

        var envelope = command.To.Concat(command.Cc).Concat(command.Bcc)
            .Select(ToMailbox)
            .DistinctBy(mailbox => mailbox.Address, StringComparer.OrdinalIgnoreCase)
            .Where(mailbox => onlyRecipients is null || onlyRecipients.Contains(mailbox.Address, StringComparer.OrdinalIgnoreCase))
            .ToArray();
        return new OutgoingMail(message, from, envelope);
    }

    private static MimeEntity CreateBody(SendEmail command)
    {
        var body = new BodyBuilder { TextBody = command.Text, HtmlBody = command.Html };
        foreach (var attachment in command.Attachments)
            body.Attachments.Add(attachment.FileName, Convert.FromBase64String(attachment.ContentBase64), ContentType.Parse(attachment.ContentType));
        return body.ToMessageBody();
    }

    private static MailboxAddress ToMailbox(EmailAddress address) => new(address.Name ?? "", address.Address);
}
