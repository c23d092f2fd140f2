using System.Text;
using MimeKit;

namespace EmailWorker.Smtp;

/// <summary>
/// The envelope as it goes on the wire for a relay's capabilities. An address whose local part is not ASCII needs
/// SMTPUTF8 (RFC 6531); with it every address goes as UTF-8 and MAIL FROM says SMTPUTF8, without it domains go
/// IDN-encoded (as MailKit sent them) and such a recipient is refused here with the reply RFC 6531 §3.5 gives a relay for it
/// (553 5.6.7), so it is classified like any refused recipient while the others still get the mail; such a sender
/// refuses the whole message the same way (a refused MAIL FROM).
/// </summary>
internal sealed record SmtpEnvelope(string Sender, IReadOnlyList<SmtpEnvelope.Recipient> Recipients, IReadOnlyList<RecipientRefusal> RefusedHere, bool SmtpUtf8)
{
    /// <summary>A recipient: <paramref name="Address"/> as the caller knows it (refusals name it), <paramref name="OnWire"/> as RCPT TO sends it.</summary>
    internal sealed record Recipient(string Address, string OnWire);

    private const string NeedsSmtpUtf8 = "5.6.7 the relay does not offer SMTPUTF8, which this address needs";

    public static SmtpEnvelope Plan(MailboxAddress sender, IReadOnlyList<MailboxAddress> recipients, SmtpCapabilities capabilities)
    {
        if (!capabilities.SmtpUtf8 && !IsAscii(sender.LocalPart))
            throw new SmtpCommandRefusedException(SmtpCommand.MailFrom, 553, NeedsSmtpUtf8);
        var international = capabilities.SmtpUtf8 && (!IsAscii(sender.Address) || recipients.Any(r => !IsAscii(r.Address)));
        var onWire = new List<Recipient>(recipients.Count);
        var refused = new List<RecipientRefusal>();
        foreach (var recipient in recipients)
        {
            if (!capabilities.SmtpUtf8 && !IsAscii(recipient.LocalPart))
                refused.Add(new RecipientRefusal(recipient.Address, 553, NeedsSmtpUtf8));
            else
                onWire.Add(new Recipient(recipient.Address, recipient.GetAddress(idnEncode: !international)));
        }
        return new SmtpEnvelope(sender.GetAddress(idnEncode: !international), onWire, refused, international);
    }

    private static bool IsAscii(string text) => Ascii.IsValid(text);
}
