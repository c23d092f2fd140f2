using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests.Faults;

/// <summary>What the fault scenarios share: a load of one-recipient messages, started workers, the heavy-variant switch.</summary>
internal static class FaultRun
{
    /// <summary><c>EMAILWORKER_FAULTS_HEAVY=1</c>: bigger loads and more kills, for a run outside the normal CI budget.</summary>
    public static bool Heavy => Environment.GetEnvironmentVariable("EMAILWORKER_FAULTS_HEAVY") == "1";

    /// <summary>
    /// <c>EMAILWORKER_FAULTS_LEDGER_OFF=1</c> (or a heavy run): the delivered ledger's scenarios run with it off too, for
    /// the comparison in docs/failure-behaviour.md.
    /// </summary>
    public static bool LedgerOffToo => Heavy || Environment.GetEnvironmentVariable("EMAILWORKER_FAULTS_LEDGER_OFF") == "1";

    /// <summary>The load of a scenario: <paramref name="normal"/> messages, or ten times as many in a heavy run.</summary>
    public static int Load(int normal) => Heavy ? normal * 10 : normal;

    /// <summary>Adds <paramref name="count"/> one-recipient messages named <c>{name}-{i}</c> and returns them for publishing.</summary>
    public static List<object> Messages(Reconciliation ledger, string name, int count) =>
        Enumerable.Range(0, count).Select(i => ledger.Add($"{name}-{i}", $"{name}-{i}@example.org")).ToList();

    /// <summary>
    /// Waits until every published pair has a copy at the server and the work queue and every retry tier are empty (ready
    /// and unacked): a message still due in a tier would be delivered after the reconciliation and its copy never counted.
    /// </summary>
    public static async Task AllDeliveredAsync(WorkerTestContext context, Reconciliation ledger, WorkerProcess worker, int expectedPairs, TimeSpan timeout)
    {
        Assert.That(await WorkerTestContext.EventuallyAsync(() => Task.FromResult(Copies.PerRecipient(context).Count >= expectedPairs), timeout),
            Is.True, $"delivered {Copies.PerRecipient(context).Count} of {expectedPairs}\n{worker.Output}");
        foreach (var queue in context.WaitingQueues())
            Assert.That(await context.BecomesEmptyAsync(queue, TimeSpan.FromSeconds(30)), Is.True,
                $"{queue}: {await context.QueueCountsAsync(queue)}\n{worker.Output}");
    }
}
