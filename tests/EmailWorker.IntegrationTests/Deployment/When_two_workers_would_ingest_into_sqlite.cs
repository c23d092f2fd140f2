using System.Text.Json;
using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests.Deployment;

/// <summary>
/// The fleet rule for the store: with SQLite only one process may ingest <c>email.dead</c>, since each keeps its own file. A
/// second worker configured to ingest into its own file refuses (exit 2 naming DeadLetters:Ingest) instead of taking half
/// the letters; every letter ends up once in the first worker's store and none in the second's.
/// </summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_two_workers_would_ingest_into_sqlite
{
    private const int Letters = 40;

    [Test]
    public async Task Should_refuse_the_second_ingester_and_store_every_letter_once_in_the_first()
    {
        await using var context = await TopologyAsync();
        var secondDirectory = context.DataDirectory + "-second";
        var second = new Dictionary<string, string> { ["EMAILWORKER__DEADLETTERS__DATADIRECTORY"] = secondDirectory };
        try
        {
            await using var first = context.StartWorker();
            Assert.That(await first.WaitForOutputAsync("Ingesting dead letters", TimeSpan.FromSeconds(30)), Is.True, first.Output);
            await using var refused = context.StartWorker(second);
            Assert.That(await refused.WaitForOutputAsync("other consumer(s)", TimeSpan.FromSeconds(30)), Is.True, refused.Output);

            // Published while the second worker is up and waiting: it must take none of them.
            await DeadLetterFactory.PublishAsync(context, Ids().Select(id => (id, "permanent", $"{id}@example.org")));
            var exit = await refused.WaitForExitAsync(SoleIngesterPatience + TimeSpan.FromSeconds(30));

            Assert.That(exit, Is.EqualTo(2), refused.Output);
            Assert.That(refused.Output, Does.Contain("DeadLetters:Ingest=false").And.Contain("DeadLetters:Store=Postgres"));
            Assert.That(await context.BecomesEmptyAsync(context.DeadQueue, TimeSpan.FromSeconds(30)), Is.True, "the first worker ingests every letter");
            var inFirst = await StoredIdsAsync(context, null);
            var inSecond = await StoredIdsAsync(context, second);
            Assert.Multiple(() =>
            {
                Assert.That(inFirst, Is.EquivalentTo(Ids()), "every letter once in the first worker's store");
                Assert.That(inSecond, Is.Empty, "none in the second worker's file");
            });
        }
        finally
        {
            if (Directory.Exists(secondDirectory))
                Directory.Delete(secondDirectory, recursive: true);
        }
    }

    [Test]
    public async Task Should_leave_exactly_one_ingester_when_two_start_at_once()
    {
        await using var context = await TopologyAsync();
        var directories = new[] { context.DataDirectory + "-a", context.DataDirectory + "-b" };
        var environments = directories.Select(d => new Dictionary<string, string> { ["EMAILWORKER__DEADLETTERS__DATADIRECTORY"] = d }).ToArray();
        try
        {
            await DeadLetterFactory.PublishAsync(context, Ids().Select(id => (id, "permanent", $"{id}@example.org")));
            await using var a = context.StartWorker(environments[0]);
            await using var b = context.StartWorker(environments[1]);

            // One of them refuses: whichever subscribed second, or both let go and the later one waits and refuses.
            var exited = await Task.WhenAny(ExitAsync(a), ExitAsync(b));
            var (loser, code) = await exited;
            var winner = loser == a ? b : a;
            var winnerEnvironment = loser == a ? environments[1] : environments[0];
            var loserEnvironment = loser == a ? environments[0] : environments[1];

            Assert.That(code, Is.EqualTo(2), loser.Output);
            Assert.That(loser.Output, Does.Contain("DeadLetters:Ingest=false"));
            Assert.That(await context.BecomesEmptyAsync(context.DeadQueue, TimeSpan.FromSeconds(30)), Is.True, winner.Output);
            var inWinner = await StoredIdsAsync(context, winnerEnvironment);
            var inLoser = await StoredIdsAsync(context, loserEnvironment);
            Assert.Multiple(() =>
            {
                Assert.That(inWinner, Is.EquivalentTo(Ids()), "every letter once in the remaining ingester's store");
                Assert.That(inLoser, Is.Empty, "none in the refused one's file");
            });
        }
        finally
        {
            foreach (var directory in directories.Where(Directory.Exists))
                Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public async Task Should_let_two_workers_of_one_host_ingest_into_the_same_file()
    {
        await using var context = await TopologyAsync();
        await using var first = context.StartWorker();
        Assert.That(await first.WaitForOutputAsync("Ingesting dead letters", TimeSpan.FromSeconds(30)), Is.True, first.Output);
        await using var second = context.StartWorker();

        // The same data directory: the second sees the first holding its ingest.lock and ingests too, without waiting.
        Assert.That(await second.WaitForOutputAsync("Ingesting dead letters", TimeSpan.FromSeconds(15)), Is.True, second.Output);
        await DeadLetterFactory.PublishAsync(context, Ids().Select(id => (id, "permanent", $"{id}@example.org")));
        Assert.That(await context.BecomesEmptyAsync(context.DeadQueue, TimeSpan.FromSeconds(30)), Is.True);
        var stored = await StoredIdsAsync(context, null);

        Assert.Multiple(async () =>
        {
            Assert.That(stored, Is.EquivalentTo(Ids()), "every letter once in the shared file");
            Assert.That(second.Output, Does.Not.Contain("other consumer(s)"));
            Assert.That(await second.WaitForExitAsync(TimeSpan.FromSeconds(1)), Is.Null, "neither refuses");
            Assert.That(await first.WaitForExitAsync(TimeSpan.FromSeconds(1)), Is.Null);
        });
    }

    private static TimeSpan SoleIngesterPatience => TimeSpan.FromSeconds(20);

    private static IEnumerable<string> Ids() => Enumerable.Range(0, Letters).Select(i => $"fleet-{i}");

    private static async Task<(WorkerProcess, int?)> ExitAsync(WorkerProcess worker) =>
        (worker, await worker.WaitForExitAsync(SoleIngesterPatience + TimeSpan.FromSeconds(60)));

    private static async Task<WorkerTestContext> TopologyAsync()
    {
        var context = new WorkerTestContext();
        var apply = await CliRun.RunAsync(context.WorkerEnvironment(), "topology", "apply");
        Assert.That(apply.ExitCode, Is.Zero, apply.Stderr);
        return context;
    }

    /// <summary>The store's letters, read by <c>dlq list</c> once email.dead is empty (so its drain takes nothing).</summary>
    private static async Task<string[]> StoredIdsAsync(WorkerTestContext context, IReadOnlyDictionary<string, string>? overrides)
    {
        var list = await CliRun.RunAsync(context.WorkerEnvironment(overrides), "dlq", "list", "--json");
        Assert.That(list.ExitCode, Is.Zero, list.Stderr);
        return [.. JsonDocument.Parse(list.Stdout).RootElement.EnumerateArray().Select(r => r.GetProperty("messageId").GetString()!)];
    }
}
