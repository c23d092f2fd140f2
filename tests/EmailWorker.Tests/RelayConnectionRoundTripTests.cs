using EmailWorker.Configuration;
using EmailWorker.Smtp;
using EmailWorker.Publisher.Connection;
using EmailWorker.SmtpSink;
using EmailWorker.Tests.SmtpSink;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace EmailWorker.Tests;

/// <summary>
/// Round trips per message (flights counted at the sink) of the worker's SMTP client against a relay that offers
/// PIPELINING and CHUNKING, PIPELINING only, or neither; MailKit as shipped beside it for the comparison.
/// </summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class RelayConnectionRoundTripTests
{
    private const int Messages = 5;

    [TestCase(true, true, 1, ExpectedResult = 1)]
    [TestCase(true, true, 3, ExpectedResult = 1)]
    [TestCase(true, false, 1, ExpectedResult = 2)]
    [TestCase(true, false, 3, ExpectedResult = 2)]
    [TestCase(false, false, 1, ExpectedResult = 4)]
    [TestCase(false, true, 1, ExpectedResult = 3)]
    public async Task<double> Should_send_a_message_in_as_few_round_trips_as_the_relay_allows(bool pipelining, bool chunking, int recipients)
    {
        await using var server = new ScriptedSmtpServer { Pipelining = pipelining, Chunking = chunking };
        server.Start();
        using var connection = new RelayConnection(Endpoint(server.Port));
        using var bound = new CancellationTokenSource(SinkClient.Bound);
        await connection.ConnectAsync(bound.Token);
        var before = server.FlightCount;
        for (var i = 0; i < Messages; i++)
        {
            var message = Message(i, recipients);
            connection.BeginAttempt();
            await connection.SendAsync(message, message.From.Mailboxes.Single(), [.. message.To.Mailboxes], bound.Token);
        }
        var flights = server.FlightCount - before;
        Assert.That(server.Messages.SelectMany(m => m.Recipients).ToList(), Has.Count.EqualTo(Messages * recipients));
        return (double)flights / Messages;
    }

    [TestCase(true, true, ExpectedResult = 3)]
    [TestCase(true, false, ExpectedResult = 3)]
    [TestCase(false, false, ExpectedResult = 4)]
    public async Task<double> Should_take_more_round_trips_with_mailkit_as_shipped(bool pipelining, bool chunking)
    {
        await using var server = new ScriptedSmtpServer { Pipelining = pipelining, Chunking = chunking };
        server.Start();
        using var client = new SmtpClient();
        using var bound = new CancellationTokenSource(SinkClient.Bound);
        await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None, bound.Token);
        var before = server.FlightCount;
        for (var i = 0; i < Messages; i++)
            await client.SendAsync(Message(i, 1), bound.Token);
        var flights = server.FlightCount - before;
        Assert.That(server.Messages.SelectMany(m => m.Recipients).ToList(), Has.Count.EqualTo(Messages));
        return (double)flights / Messages;
    }

    internal static RelayEndpoint Endpoint(int port) =>
        new("127.0.0.1", port, SmtpSecurity.None, CertificateTrust.Validator(""), SinkClient.Bound, username: null, password: null);

    private static MimeMessage Message(int index, int recipients)
    {
        var message = SinkClient.Message($"round-trip-{index}");
        message.To.Clear();
        for (var i = 0; i < recipients; i++)
            message.To.Add(new MailboxAddress("", $"r{i}@example.org"));
        return message;
    }
}
