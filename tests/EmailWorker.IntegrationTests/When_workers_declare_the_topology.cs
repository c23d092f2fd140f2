using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests;

[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_workers_declare_the_topology
{
    [Test]
    public async Task Should_declare_exactly_the_queues_of_its_configuration()
    {
        // The test's configuration empties every cause's own schedule (each takes Retry:Schedule), as an operator may.
        await using var context = new WorkerTestContext();
        await using var worker = await context.StartConsumingAsync();

        Assert.That(await BrokerQueues.NamesAsync(context.Broker, context.Prefix + "."), Is.EquivalentTo(context.QueueNames()),
            "the queues `emailworker topology verify` checks for the same configuration\n" + worker.Output);
        await using var verify = WorkerProcess.Start(context.WorkerEnvironment(), "topology", "verify");
        Assert.That(await verify.WaitForExitAsync(TimeSpan.FromSeconds(60)), Is.EqualTo(0), "the command finds what the worker declared\n" + verify.Output);
    }

    [Test]
    public async Task Should_declare_it_from_several_processes_at_the_same_moment()
    {
        // Four processes declaring at once, as workers starting together: a quorum queue one of them is creating is
        // refused to the others (404) until it is up.
        const int Processes = 4, Rounds = 3;
        for (var round = 0; round < Rounds; round++)
        {
            await using var context = new WorkerTestContext();
            await context.ConnectionAsync(); // its disposal deletes what was declared
            var declarers = Enumerable.Range(0, Processes).Select(_ => WorkerProcess.Start(context.WorkerEnvironment(), "topology", "apply")).ToList();
            try
            {
                var exitCodes = await Task.WhenAll(declarers.Select(declarer => declarer.WaitForExitAsync(TimeSpan.FromSeconds(60))));
                Assert.Multiple(() =>
                {
                    for (var i = 0; i < Processes; i++)
                        Assert.That(exitCodes[i], Is.EqualTo(0), $"round {round}, declarer {i}\n{declarers[i].Output}");
                });
                Assert.That(await BrokerQueues.NamesAsync(context.Broker, context.Prefix + "."), Is.EquivalentTo(context.QueueNames()), $"round {round}");
            }
            finally
            {
                foreach (var declarer in declarers)
                    await declarer.DisposeAsync();
            }
        }
    }
}
