using System.Net;
using System.Net.Sockets;
using EmailWorker.Configuration;
using EmailWorker.Webhooks;
using Microsoft.Extensions.Options;

namespace EmailWorker.Tests;

/// <summary>
/// One request's end is always an attempt's result, never an exception: a receiver whose port resets every connection (as
/// one that is down or restarting does) gives a failed attempt with no status each time. An exception out of a request would
/// end the dispatcher's whole wave and leave the rows it claimed leased, unsent, until the lease ran out.
/// </summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class WebhookSenderTests
{
    [Test]
    public async Task Should_give_a_failed_attempt_for_every_request_to_a_port_that_resets_connections(CancellationToken cancellationToken)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var resetting = ResetEveryConnectionAsync(listener, stop.Token);
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var options = Options.Create(new WebhookOptions
        {
            Timeout = "5s",
            Endpoints = [new WebhookEndpointOptions { Name = "down", Url = $"http://127.0.0.1:{port}/down", Secrets = ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] }],
        });
        var settings = new WebhookSettings(options);
        using var sender = new WebhookSender(settings, TimeProvider.System);
        var row = new OutboxRow(1, "msg_1", "down", "email.delivered", "m-1", "{}", OutboxState.Pending, 0,
            DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, null, null, DateTimeOffset.UtcNow);

        var results = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => sender.SendAsync(settings.Endpoints[0], row, cancellationToken)));

        await stop.CancelAsync();
        await resetting;
        Assert.Multiple(() =>
        {
            Assert.That(results.Select(r => r.Status), Is.All.Null);
            Assert.That(results.Select(r => r.Error), Is.All.Not.Null.And.Not.Empty);
            Assert.That(results.Select(r => r.IsSuccess), Is.All.False);
        });
    }

    private static async Task ResetEveryConnectionAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                using var socket = await listener.AcceptSocketAsync(cancellationToken);
                socket.LingerState = new LingerOption(true, 0);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
