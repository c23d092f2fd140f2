namespace EmailWorker.Tests;

/// <summary>
/// Every unit fixture carries <c>[CancelAfter(UnitTimeouts.PerTest)]</c>, as the integration fixtures carry theirs: a
/// unit test that waits (a sink session, a fake clock's timer) observes the test's token and fails as timed out instead
/// of hanging the run. 1 minute: the slowest unit test (a TLS session with the scripted sink) takes a few seconds.
/// </summary>
public static class UnitTimeouts
{
    public const int PerTest = 60_000;
}
