using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests;

/// <summary>
/// Two workers on one host with the same <c>Observability:Urls</c>, as <c>scripts/cluster-test.sh</c> once started them:
/// the second cannot bind. It must fail its start before it consumes (holding nothing) and exit 1 at once, not live on
/// as a process with a consumer and no listener.
/// </summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_two_workers_share_a_listener_address
{
    private const int Count = 60;

    [Test]
    public async Task Should_stop_the_second_with_exit_1_holding_nothing_and_let_the_first_deliver_everything_once()
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        using var listener = new WorkerListener();
        context.Smtp.Script.ReplyDelay = TimeSpan.FromMilliseconds(20);
        await using var first = await context.StartConsumingAsync(listener.Environment());
        var messages = Enumerable.Range(0, Count).Select(i => ($"shared-{i}", $"shared{i}@example.org")).ToArray();
        await context.PublishJsonAsync(messages.Select(m => SampleMessages.Simple(m.Item1, m.Item2)));

        await using var second = context.StartWorker(listener.Environment());

        Assert.That(await second.WaitForExitAsync(TimeSpan.FromSeconds(30)), Is.EqualTo(1), "the second worker exits 1\n" + second.Output);
        Assert.That(second.Output, Does.Not.Contain("Worker consuming"), "it never consumed");
        Assert.That(await context.Smtp.WaitForMessagesAsync(Count, TimeSpan.FromSeconds(60)), Is.True, $"delivered {context.Smtp.Messages.Count} of {Count}");
        Assert.That(await context.BecomesEmptyAsync(context.WorkQueue, TimeSpan.FromSeconds(30)), Is.True, "ready and unacked both 0");
        Assert.That(Copies.PerRecipient(context), Is.EqualTo(Copies.OnceEach(messages)));
        Assert.That(await first.WaitForExitAsync(TimeSpan.Zero), Is.Null, "the first worker still runs");
    }
}
