using MailKit.Net.Smtp;
using MimeKit;

namespace EmailWorker.Smtp;

/// <summary>
/// A MailKit client that sends to the recipients the relay accepts and collects the refusals of the others, instead of
/// aborting the whole message at the first refused recipient (MailKit's default).
/// </summary>
internal sealed class RelaySmtpClient : SmtpClient
{
    private readonly List<RecipientRefusal> _refusals = [];

    /// <summary>Refusals of the last send; valid until the next one starts.</summary>
    public IReadOnlyList<RecipientRefusal> Refusals => _refusals;

    public void ResetRefusals() => _refusals.Clear();

    /// <summary>When the connection last did useful work; an idle one is checked with NOOP before it is trusted.</summary>
    public DateTimeOffset LastUsed { get; set; }

    protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
        _refusals.Add(new RecipientRefusal(mailbox.Address, (int)response.StatusCode, response.Response));

    protected override void OnNoRecipientsAccepted(MimeMessage message) =>
        throw new NoRecipientsAcceptedException([.. _refusals]);
}
