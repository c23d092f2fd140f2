using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests;

[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_a_queue_exists_with_other_arguments
{
    [Test]
    public async Task Should_refuse_to_start_naming_the_queue_and_the_argument()
    {
        await using var context = new WorkerTestContext();
        var connection = await context.ConnectionAsync();
        await using (var channel = await connection.CreateChannelAsync())
        {
            // A classic queue where the worker needs a quorum queue.
            await channel.QueueDeclareAsync(context.DeadQueue, durable: true, exclusive: false, autoDelete: false);
        }

        await using var worker = context.StartWorker();
        var exitCode = await worker.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(1), worker.Output);
            Assert.That(worker.Output, Does.Contain($"Queue '{context.DeadQueue}'"));
            Assert.That(worker.Output, Does.Contain("x-queue-type"));
        });
    }

    [Test]
    public async Task Should_start_again_on_its_own_topology()
    {
        await using var context = new WorkerTestContext();
        await using (var first = context.StartWorker())
            Assert.That(await first.WaitForOutputAsync("Worker consuming", TimeSpan.FromSeconds(30)), Is.True, first.Output);

        await using var second = context.StartWorker();

        Assert.That(await second.WaitForOutputAsync("Worker consuming", TimeSpan.FromSeconds(30)), Is.True, "declaring is idempotent\n" + second.Output);
    }
}
