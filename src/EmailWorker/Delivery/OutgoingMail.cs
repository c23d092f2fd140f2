using MimeKit;


namespace EmailWorker.Delivery;

/// <summary>A MIME message with its SMTP envelope: MAIL FROM and the RCPT TO list (which includes Bcc).</summary>
internal sealed record OutgoingMail(MimeMessage Message, MailboxAddress Sender, IReadOnlyList<MailboxAddress> Recipients);
