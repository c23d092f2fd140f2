using System.Text.Json;
using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests;

/// <summary>
/// A <c>dlq replay</c> killed halfway leaves the window it published and had not marked: letters that may be in the work
/// queue and are still dead. Once the dead run's hold lapsed, a new replay must not pick them up unannounced; the operator
/// resumes the job (which counts them as possible duplicates) or abandons it on purpose.
/// </summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_a_new_replay_follows_an_interrupted_one
{
    [Test]
    public async Task Should_refuse_until_the_interrupted_job_is_resumed_or_abandoned()
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        var apply = await CliRun.RunAsync(context.WorkerEnvironment(), "topology", "apply");
        Assert.That(apply.ExitCode, Is.Zero, apply.Stderr);
        var letters = Enumerable.Range(0, 40).Select(i => ($"cut-{i}", "permanent", $"cut{i}@example.org")).ToList();
        await DeadLetterFactory.PublishAsync(context, letters);

        // Paced at 10 letters/s: a window of one letter, killed after a few.
        using var first = CliRun.Start(context.WorkerEnvironment(), "dlq", "replay", "--all", "--rate", "10", "--yes");
        Assert.That(await WorkerTestContext.EventuallyAsync(async () => await context.MessageCountAsync(context.WorkQueue) >= 3, TimeSpan.FromSeconds(60)),
            Is.True, "the first replay made progress");
        first.Kill(entireProcessTree: true);
        await first.WaitForExitAsync(TestContext.CurrentContext.CancellationToken);
        var jobs = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "jobs", "--json");
        var jobId = JsonDocument.Parse(jobs.Stdout).RootElement.EnumerateArray().First().GetProperty("id").GetInt64();

        // Until the dead run's hold lapses a new replay is refused as "in progress"; after it, the question is the window.
        var second = await AfterTheHoldLapsedAsync(context.WorkerEnvironment(), "dlq", "replay", "--all", "--yes");
        var abandon = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "jobs", "abandon", jobId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var third = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "replay", "--all", "--yes");

        Assert.Multiple(() =>
        {
            Assert.That(second.ExitCode, Is.EqualTo(1), $"a new replay while the interrupted job's window is unmarked is refused\n{second.Stdout}\n{second.Stderr}");
            Assert.That(second.Stderr, Does.Contain($"dlq jobs resume {jobId}").And.Contain($"dlq jobs abandon {jobId}"));
            Assert.That(abandon.ExitCode, Is.Zero, abandon.Stderr);
            Assert.That(abandon.Stdout, Does.Contain("possible duplicates: "));
            Assert.That(third.ExitCode, Is.Zero, $"after an explicit abandon a new replay runs\n{third.Stderr}");
        });
    }

    /// <summary>Runs the command each second while the store says a killed run still holds its job (within 90 s).</summary>
    private static async Task<(int ExitCode, string Stdout, string Stderr)> AfterTheHoldLapsedAsync(IReadOnlyDictionary<string, string> environment,
        params string[] arguments)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            var run = await CliRun.RunAsync(environment, arguments);
            if (!run.Stderr.Contains("is in progress", StringComparison.Ordinal) || DateTime.UtcNow > deadline)
                return run;
            await Task.Delay(TimeSpan.FromSeconds(1), TestContext.CurrentContext.CancellationToken);
        }
    }
}
