using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests.Faults;

/// <summary>
/// <c>dlq replay</c> on letters the worker dead-lettered, killed halfway or run twice at once: every letter is delivered
/// in the end, and a second copy only for a letter that was in flight (published, not yet acked) when the replay died.
/// </summary>
[TestFixture]
[Category("Fault")]
[CancelAfter(TestTimeouts.PerTest)]
public sealed partial class When_a_replay_is_interrupted_or_doubled
{
    [Test]
    public async Task Should_deliver_every_letter_after_a_replay_killed_halfway_and_a_second_replay()
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        var ledger = new Reconciliation("dlq replay killed (-9) halfway, then replayed again");
        var count = FaultRun.Load(60);
        await WorkerDeadLetters.MakeAsync(context, FaultRun.Messages(ledger, "replay-kill", count));

        // Paced at 30 letters/s, the replay job publishes windows of 3 letters (a tenth of a second each).
        var replay = CliRun.Start(context.WorkerEnvironment(), "dlq", "replay", "--all", "--rate", "30", "--yes");
        Assert.That(await WorkerTestContext.EventuallyAsync(async () => await context.MessageCountAsync(context.WorkQueue) >= count / 3, TimeSpan.FromSeconds(60)),
            Is.True, "the replay should have moved a third");
        replay.Kill(entireProcessTree: true);
        await replay.WaitForExitAsync(TestContext.CurrentContext.CancellationToken);
        var movedBeforeKill = await context.MessageCountAsync(context.WorkQueue);
        Assert.That(movedBeforeKill, Is.LessThan(count), "the kill should have come before the end");

        // A replay is a job in the dead-letter store: the operator resumes it. The resume says how many letters of the
        // window in flight at the kill may go twice (published, not yet marked replayed); no other letter can.
        var jobs = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "jobs", "--json");
        Assert.That(jobs.ExitCode, Is.Zero, jobs.Stderr);
        var jobId = JsonDocument.Parse(jobs.Stdout).RootElement.EnumerateArray().First().GetProperty("id").GetInt64();
        var resume = await ReplayResume.AfterKillAsync(context.WorkerEnvironment(), jobId);
        Assert.That(resume.ExitCode, Is.Zero, resume.Stderr);
        var possible = PossibleDuplicates().Match(resume.Stdout) is { Success: true } said ? int.Parse(said.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        TestContext.Progress.WriteLine($"replay resumed after the kill: possible duplicates {possible}; {resume.Stdout.Split('\n').LastOrDefault(l => l.Length > 0)}");
        await using var worker = await context.StartConsumingAsync();
        await FaultRun.AllDeliveredAsync(context, ledger, worker, count, TimeSpan.FromSeconds(90));
        var figures = await ledger.AssertAsync(context, allowedDuplicates: possible);
        Assert.Multiple(() =>
        {
            Assert.That(figures.Delivered, Is.EqualTo(count));
            Assert.That(figures.DeadLettered, Is.Zero, "every letter left the dead-letter queue");
        });
    }

    [Test]
    public async Task Should_replay_each_letter_once_when_two_replays_run_at_once()
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        var ledger = new Reconciliation("two dlq replays at once");
        var count = FaultRun.Load(100);
        await WorkerDeadLetters.MakeAsync(context, FaultRun.Messages(ledger, "replay-twice", count));

        // Paced so that the two runs overlap whatever the start-up time of each.
        var first = CliRun.Start(context.WorkerEnvironment(), "dlq", "replay", "--all", "--rate", "50", "--yes");
        var second = CliRun.Start(context.WorkerEnvironment(), "dlq", "replay", "--all", "--rate", "50", "--yes");
        var firstOutput = first.StandardOutput.ReadToEndAsync();
        var secondOutput = second.StandardOutput.ReadToEndAsync();
        var firstErrors = first.StandardError.ReadToEndAsync();
        var secondErrors = second.StandardError.ReadToEndAsync();
        await first.WaitForExitAsync(TestContext.CurrentContext.CancellationToken);
        await second.WaitForExitAsync(TestContext.CurrentContext.CancellationToken);
        TestContext.Progress.WriteLine($"two replays at once: first said \"{(await firstOutput).Split('\n').LastOrDefault(l => l.Length > 0)}\", second \"{(await secondOutput).Split('\n').LastOrDefault(l => l.Length > 0)}\"");
        // Two jobs over the same letters could both publish them before either marks them: the store lets one job run at a
        // time. The other is refused naming the running job (exit 1), or — started after the first ended — finds nothing left.
        var exits = new[] { (first.ExitCode, await firstErrors), (second.ExitCode, await secondErrors) };
        Assert.That(exits.Count(e => e.Item1 == 0), Is.GreaterThanOrEqualTo(1), string.Join("\n", exits.Select(e => e.Item2)));
        Assert.That(exits.Where(e => e.Item1 != 0).Select(e => (e.Item1, e.Item2.Contains("is in progress", StringComparison.Ordinal))),
            Is.All.EqualTo((1, true)), string.Join("\n", exits.Select(e => e.Item2)));

        await using var worker = await context.StartConsumingAsync();
        await FaultRun.AllDeliveredAsync(context, ledger, worker, count, TimeSpan.FromSeconds(90));
        var figures = await ledger.AssertAsync(context);
        Assert.Multiple(() =>
        {
            Assert.That(figures.Delivered, Is.EqualTo(count));
            Assert.That(figures.Duplicates, Is.Zero);
            Assert.That(figures.DeadLettered, Is.Zero);
        });
    }

    [GeneratedRegex(@"possible duplicates: (\d+)")]
    private static partial Regex PossibleDuplicates();
}
