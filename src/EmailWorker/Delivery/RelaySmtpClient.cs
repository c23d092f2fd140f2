using MailKit;
using MailKit.Net.Smtp;
using MimeKit;


namespace EmailWorker.Delivery;

/// <summary>
/// A MailKit client that sends to the recipients the relay accepts and collects the refusals of the others, instead of
/// aborting the whole message at the first refused recipient (MailKit's default), and that knows whether the body of the
/// current send is on its way (after which a lost connection may still have delivered the mail).
/// </summary>
internal sealed class RelaySmtpClient : SmtpClient
{
    private readonly List<RecipientRefusal> _refusals = [];
    private readonly BodyProgress _progress = new();

    /// <summary>Refusals of the last send; valid until the next one starts.</summary>
    public IReadOnlyList<RecipientRefusal> Refusals => _refusals;

    /// <summary>Whether the last send had begun writing the body (the relay answered DATA with 354).</summary>
    public bool BodyStarted => _progress.Started;

    /// <summary>When the connection last did useful work; an idle one is checked with NOOP before it is trusted.</summary>
    public DateTimeOffset LastUsed { get; set; }

    /// <summary>Forgets the last send's refusals and progress; call before anything of a new attempt runs.</summary>
    public void BeginAttempt()
    {
        _refusals.Clear();
        _progress.Started = false;
    }

    public Task<string> SendTrackedAsync(MimeMessage message, MailboxAddress sender, IEnumerable<MailboxAddress> recipients, CancellationToken cancellationToken) =>
        SendAsync(message, sender, recipients, cancellationToken, _progress);

    /// <summary>
    /// Starts a transaction and abandons it (MAIL FROM, RSET): proves the relay would take mail from this sender, which a
    /// bare NOOP does not. The null sender when <paramref name="sender"/> is null.
    /// </summary>
    public async Task ProbeTransactionAsync(string? sender, CancellationToken cancellationToken)
    {
        var response = await SendCommandAsync($"MAIL FROM:<{sender}>", cancellationToken);
        if (response.StatusCode != SmtpStatusCode.Ok)
            throw new SmtpCommandException(SmtpErrorCode.SenderNotAccepted, response.StatusCode, response.Response);
        await SendCommandAsync("RSET", cancellationToken);
    }

    /// <summary>
    /// <c>BDAT &lt;size&gt; LAST</c> with the body behind it when the relay offers CHUNKING (RFC 3030), instead of DATA and
    /// a wait for its 354: 2 round trips per message instead of 3 (MailKit otherwise takes BDAT only for binary MIME).
    /// The body is still written only after the relay accepted the sender and a recipient, so "maybe delivered" means
    /// what it meant with DATA.
    /// </summary>
    protected override bool PreferSendAsBinaryData => true;

    protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
        _refusals.Add(new RecipientRefusal(mailbox.Address, (int)response.StatusCode, response.Response));

    protected override void OnNoRecipientsAccepted(MimeMessage message) =>
        throw new NoRecipientsAcceptedException([.. _refusals]);

    private sealed class BodyProgress : ITransferProgress
    {
        public bool Started { get; set; }

        public void Report(long bytesTransferred, long totalSize) => Started = true;

        public void Report(long bytesTransferred) => Started = true;
    }
}
