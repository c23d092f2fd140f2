using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests;

/// <summary>The SMTP pool is opened at start-up, so the first messages do not wait for connect and EHLO.</summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_the_worker_starts_against_a_relay
{
    private const int PoolSize = 3;

    [Test]
    public async Task Should_open_every_pooled_connection_before_the_first_message()
    {
        await using var context = new WorkerTestContext();
        await using var worker = await context.StartConsumingAsync(new Dictionary<string, string> { ["EMAILWORKER__SMTP__POOLSIZE"] = $"{PoolSize}" });

        var opened = await WorkerTestContext.EventuallyAsync(() => Task.FromResult(context.Smtp.Commands.Count(c => c.Verb == "EHLO") == PoolSize),
            TimeSpan.FromSeconds(30));

        Assert.Multiple(() =>
        {
            Assert.That(opened, Is.True, $"EHLOs: {context.Smtp.Commands.Count(c => c.Verb == "EHLO")}; {worker.Output}");
            Assert.That(context.Smtp.ConnectionCount, Is.EqualTo(PoolSize));
            Assert.That(context.Smtp.Commands.Select(c => c.Verb), Has.None.EqualTo("MAIL"), "no message was sent");
        });
    }
}
