using System.Diagnostics.Metrics;
using EmailWorker.Configuration;
using EmailWorker.Delivery;
using EmailWorker.Diagnostics;
using EmailWorker.SmtpSink;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;

namespace EmailWorker.Tests;

/// <summary>
/// The pool against the scripted SMTP server on loopback: connections that sat unused for <c>Smtp:IdleTimeout</c> are
/// closed (the server sees them go), recent ones are kept, and the pool opens a closed one again for the next message.
/// </summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
internal sealed class SmtpConnectionPoolIdleTests
{
    [Test]
    public async Task Should_close_connections_unused_for_the_idle_timeout_and_open_one_again_for_the_next_message(CancellationToken cancellationToken)
    {
        await using var relay = new ScriptedSmtpServer();
        relay.Start();
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new WorkerMetrics(services.GetRequiredService<IMeterFactory>(), new TopologyNames("idle-test", []));
        var gate = new RelayGate(new RelayLimits("default", Adaptive: false, MinConnections: 1, InitialConnections: 2, MaxConnections: 2, MaxRatePerSecond: null),
            TimeProvider.System, metrics, NullLogger.Instance);
        // 5 s, not less: the pool reads the wall clock, and on a loaded machine (the three test projects run side by side)
        // the two connections were once opened more than 1 s apart, so the first counted as idle at the first check.
        await using var pool = new SmtpConnectionPool(new SmtpOptions { Host = "127.0.0.1", Port = relay.Port, PoolSize = 2, IdleTimeout = "5s" },
            metrics, gate, NullLogger<SmtpConnectionPool>.Instance);

        // Every connection's last use is at or after this, so none may be closed before this plus the idle timeout.
        var openingAt = DateTimeOffset.UtcNow;
        await pool.OpenAllAsync(cancellationToken);
        await pool.CloseIdleAsync();
        var keptWhileRecent = relay.Limits.OpenConnections;
        // Closed only once they have been unused for the timeout: asked again until the server sees them go.
        while (relay.Limits.OpenConnections > 0 && DateTimeOffset.UtcNow - openingAt < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(100, cancellationToken);
            await pool.CloseIdleAsync();
        }
        var closedAfter = DateTimeOffset.UtcNow - openingAt;
        var closedOpen = relay.Limits.OpenConnections;
        var message = new MimeMessage { Subject = "after idle" };
        message.From.Add(MailboxAddress.Parse("shop@example.com"));
        message.To.Add(MailboxAddress.Parse("ann@example.org"));
        message.Body = new TextPart("plain") { Text = "hi" };
        await pool.SendAsync(message, message.From.Mailboxes.Single(), [.. message.To.Mailboxes], TimeSpan.FromSeconds(30), cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(keptWhileRecent, Is.EqualTo(2), "both connections kept while recently used");
            Assert.That(closedOpen, Is.Zero, "both closed once unused for the idle timeout");
            Assert.That(closedAfter, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(5)), "not before it");
            Assert.That(relay.AcceptedCount, Is.EqualTo(1), "the next message went out on a connection opened again");
            Assert.That(relay.Limits.OpenConnections, Is.EqualTo(1));
        });
    }
}
