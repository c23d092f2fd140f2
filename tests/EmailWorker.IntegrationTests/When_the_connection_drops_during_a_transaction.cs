using EmailWorker.IntegrationTests.Support;
using EmailWorker.SmtpSink;

namespace EmailWorker.IntegrationTests;

/// <summary>
/// A connection lost before the body was sent cannot have delivered the mail; one lost after the final dot may have.
/// Only the second is marked "maybe delivered", and only it can end with two copies — with the same Message-ID.
/// </summary>
[TestFixture]
[Category("Fault")]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_the_connection_drops_during_a_transaction
{
    [Test]
    public async Task Should_retry_a_drop_before_the_body_without_the_maybe_delivered_mark()
    {
        await using var context = new WorkerTestContext();
        var dataCommands = 0;
        context.Smtp.Script.OnCommand = (verb, _) => verb == "DATA" && Interlocked.Increment(ref dataCommands) == 1 ? SmtpReply.Disconnect : null;
        await using var worker = await context.StartConsumingAsync();
        await using var events = await EventCollector.StartAsync(context);

        await context.PublishJsonAsync([SampleMessages.Simple("drop-before-body")]);

        Assert.That(await events.WaitForAsync("drop-before-body", "email.delivered"), Is.True, worker.Output);
        Assert.Multiple(() =>
        {
            Assert.That(Copies.PerRecipient(context), Is.EqualTo(Copies.OnceEach([("drop-before-body", "ann@example.org")])));
            Assert.That(events.Of("drop-before-body", "email.deferred").Single().GetProperty("message").GetString(), Does.Not.Contain("maybe delivered"));
        });
    }

    [Test]
    public async Task Should_mark_a_drop_after_the_final_dot_and_send_the_same_message_id_again()
    {
        await using var context = new WorkerTestContext();
        var finalDots = 0;
        context.Smtp.Script.OnData = (_, _, _) => Interlocked.Increment(ref finalDots) == 1 ? SmtpReply.KeepAndDisconnect : null;
        await using var worker = await context.StartConsumingAsync();
        await using var events = await EventCollector.StartAsync(context);

        await context.PublishJsonAsync([SampleMessages.Simple("drop-after-dot")]);

        Assert.That(await events.WaitForAsync("drop-after-dot", "email.delivered"), Is.True, worker.Output);
        Assert.Multiple(() =>
        {
            // The relay kept the first copy without saying so: the one duplicate the worker cannot avoid, recognisable by its Message-ID.
            Assert.That(Copies.PerRecipient(context), Is.EqualTo(new Dictionary<(string, string), int> { [("drop-after-dot", "ann@example.org")] = 2 }));
            Assert.That(events.Of("drop-after-dot", "email.deferred").Single().GetProperty("message").GetString(), Does.EndWith("(maybe delivered)"));
        });
    }
}
