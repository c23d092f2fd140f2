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

        // The second starts once the first has made progress and while it is still running (paced at 4 letters/s, the
        // first needs about 25 s for 100: room for a second CLI start on a loaded machine): the store lets one job run at a time, so the second must be refused, naming
        // the running job (exit 1), and publish nothing; two jobs over the same letters could both publish them before
        // either marks them.
        var first = CliRun.Start(context.WorkerEnvironment(), "dlq", "replay", "--all", "--rate", "4", "--yes");
        var firstOutput = first.StandardOutput.ReadToEndAsync();
        var firstErrors = first.StandardError.ReadToEndAsync();
        Assert.That(await WorkerTestContext.EventuallyAsync(async () => await context.MessageCountAsync(context.WorkQueue) >= 5, TimeSpan.FromSeconds(60)),
            Is.True, "the first replay made progress");
        Assert.That(first.HasExited, Is.False, "the first replay still runs when the second starts");
        var second = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "replay", "--all", "--rate", "10", "--yes");
        var stillRunning = !first.HasExited;
        await first.WaitForExitAsync(TestContext.CurrentContext.CancellationToken);
        TestContext.Progress.WriteLine($"two replays at once: first said \"{(await firstOutput).Split('\n').LastOrDefault(l => l.Length > 0)}\", second \"{second.Stderr.Trim()}\"");
        Assert.Multiple(async () =>
        {
            Assert.That(stillRunning, Is.True, "the first replay was still running when the second ended (else they did not overlap)");
            Assert.That(first.ExitCode, Is.Zero, await firstErrors);
            Assert.That((second.ExitCode, second.Stderr.Contains("is in progress", StringComparison.Ordinal)), Is.EqualTo((1, true)), second.Stderr);
        });

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
