using EmailWorker.Publisher.Connection;
using EmailWorker.SmtpSink;
using EmailWorker.TestSupport;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace EmailWorker.Tests.SmtpSink;

/// <summary>MailKit clients for the scripted server on loopback, trusting only the CA a test names (the worker's own validation).</summary>
internal static class SinkClient
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    public static SmtpClient Create(TestCertificateAuthority? trusted = null) => new()
    {
        Timeout = (int)Bound.TotalMilliseconds,
        ServerCertificateValidationCallback = trusted is null ? null : CertificateTrust.Validator(CaFileOf(trusted)),
    };

    private static string CaFileOf(TestCertificateAuthority authority)
    {
        var path = Path.Combine(Path.GetTempPath(), $"emailworker-test-ca-{authority.Certificate.Thumbprint}.pem");
        authority.WriteCaPem(path);
        return path;
    }

    public static async Task<SmtpClient> ConnectAsync(ScriptedSmtpServer server, SecureSocketOptions security = SecureSocketOptions.None,
        TestCertificateAuthority? trusted = null)
    {
        var client = Create(trusted);
        using var bound = new CancellationTokenSource(Bound);
        await client.ConnectAsync("127.0.0.1", server.Port, security, bound.Token);
        return client;
    }

    public static MimeMessage Message(string id = "sink-test", int bodyBytes = 10) => new(
        [new MailboxAddress("", "shop@example.com")], [new MailboxAddress("", "ann@example.org")], "Hello",
        new TextPart("plain") { Text = new string('x', bodyBytes) })
    {
        MessageId = $"{id}@example.com",
    };

    public static async Task SendAsync(SmtpClient client, MimeMessage? message = null, CancellationToken cancellationToken = default)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(Bound);
        await client.SendAsync(message ?? Message(), bound.Token);
    }
}
