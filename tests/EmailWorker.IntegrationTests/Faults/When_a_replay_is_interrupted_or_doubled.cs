using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests.Faults;

/// <summary>
/// <c>dlq replay</c> on letters the worker dead-lettered, killed halfway or run twice at once: every letter is delivered
/// in the end, and a second copy only for a letter that was in flight (published, not yet acked) when the replay died.
/// </summary>
[TestFixture]
[Category("Fault")]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_a_replay_is_interrupted_or_doubled
{
    [Test]
    public async Task Should_deliver_every_letter_after_a_replay_killed_halfway_and_a_second_replay()
    {
        await using var context = new WorkerTestContext();
        var ledger = new Reconciliation("dlq replay killed (-9) halfway, then replayed again");
        var count = FaultRun.Load(60);
        await WorkerDeadLetters.MakeAsync(context, FaultRun.Messages(ledger, "replay-kill", count));

        // Paced, the replay publishes and acks one letter at a time: its in-flight window is 1.
        var replay = CliRun.Start(context.WorkerEnvironment(), "dlq", "replay", "--all", "--rate", "30", "--yes");
        Assert.That(await WorkerTestContext.EventuallyAsync(async () => await context.MessageCountAsync(context.WorkQueue) >= count / 3, TimeSpan.FromSeconds(60)),
            Is.True, "the replay should have moved a third");
        replay.Kill(entireProcessTree: true);
        await replay.WaitForExitAsync(TestContext.CurrentContext.CancellationToken);
        var movedBeforeKill = await context.MessageCountAsync(context.WorkQueue);
        Assert.That(movedBeforeKill, Is.LessThan(count), "the kill should have come before the end");

        // The killed replay's held letters go back to email.dead only when the broker has closed its connection; a
        // replay selects the letters ready when it starts, so (as an operator would with `emailworker status`) wait until
        // the dead-letter queue holds nothing unacked. Found: replaying at once took only the letters already back.
        Assert.That(await WorkerTestContext.EventuallyAsync(async () => await context.QueueCountsAsync(context.DeadQueue) is { Unacked: 0 }, TimeSpan.FromSeconds(30)),
            Is.True, $"{await context.QueueCountsAsync(context.DeadQueue)}");
        var again = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "replay", "--all", "--yes");
        Assert.That(again.ExitCode, Is.Zero, again.Stderr);
        TestContext.Progress.WriteLine($"replay after the kill: {again.Stdout.Split('\n').LastOrDefault(l => l.Length > 0)}");
        await using var worker = await FaultRun.StartConsumingAsync(context);
        await FaultRun.AllDeliveredAsync(context, ledger, worker, count, TimeSpan.FromSeconds(90));
        var figures = await ledger.AssertAsync(context, allowedDuplicates: 1);
        Assert.Multiple(() =>
        {
            Assert.That(figures.Delivered, Is.EqualTo(count));
            Assert.That(figures.DeadLettered, Is.Zero, "every letter left the dead-letter queue");
        });
    }

    [Test]
    public async Task Should_replay_each_letter_once_when_two_replays_run_at_once()
    {
        await using var context = new WorkerTestContext();
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
        Assert.That((first.ExitCode, second.ExitCode), Is.EqualTo((0, 0)), await firstErrors + await secondErrors);
        // Whether the later one also warns about the letters the other holds depends on the management API's statistics
        // interval: printed, not asserted.
        TestContext.Progress.WriteLine($"two replays at once, warnings: {(await firstErrors + await secondErrors).Split('\n').Count(l => l.StartsWith("warning:", StringComparison.Ordinal))}");

        await using var worker = await FaultRun.StartConsumingAsync(context);
        await FaultRun.AllDeliveredAsync(context, ledger, worker, count, TimeSpan.FromSeconds(90));
        // Each snapshot holds its letters unacked, so the other one never sees them: each letter is replayed once. Seen:
        // the replay whose snapshot came first takes all of them, the other selects none and exits 0.
        var figures = await ledger.AssertAsync(context);
        Assert.Multiple(() =>
        {
            Assert.That(figures.Delivered, Is.EqualTo(count));
            Assert.That(figures.Duplicates, Is.Zero);
            Assert.That(figures.DeadLettered, Is.Zero);
        });
    }
}
