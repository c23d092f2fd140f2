namespace EmailWorker.IntegrationTests.Support;

/// <summary>
/// The harness's own cleanup (closing a peek connection, deleting a test's queues): bounded and never the reason a test
/// fails. After a broker kill or stop a close can time out or be cancelled; what it would have done the broker does when
/// the connection goes, and each test's topology has a prefix of its own, so a failed cleanup harms no other test.
/// </summary>
public static class Cleanup
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    /// <summary>Runs <paramref name="step"/> for at most 10 s; any failure is written to the test's progress output, not thrown.</summary>
    public static async Task QuietlyAsync(Func<CancellationToken, Task> step)
    {
        using var bound = new CancellationTokenSource(Bound);
        try
        {
            await step(bound.Token).WaitAsync(Bound + TimeSpan.FromSeconds(1));
        }
        catch (Exception e)
        {
            TestContext.Progress.WriteLine($"[cleanup] ignored: {e.GetType().Name}: {e.Message}");
        }
    }
}
