namespace EmailWorker.IntegrationTests.Support;

/// <summary>
/// Every fixture carries <c>[CancelAfter(TestTimeouts.PerTest)]</c>: NUnit's <c>[Timeout]</c> cannot abort a test on
/// .NET, so the test's cancellation token is cancelled instead and the waiting helpers (EventuallyAsync, the worker's and
/// the CLI's waits) observe it; the test then fails as timed out and its processes are killed (see ChildProcesses).
/// <c>scripts/test.sh</c>'s <c>--blame-hang-timeout</c> is the backstop above this, for a hang no token reaches.
/// </summary>
public static class TestTimeouts
{
    /// <summary>3 minutes: the longest on a loaded 2-core machine (the broker closing the consumer channel: its consumer-timeout
    /// check runs about once a minute) takes about 2; most take under one.</summary>
    public const int PerTest = 180_000;
}
