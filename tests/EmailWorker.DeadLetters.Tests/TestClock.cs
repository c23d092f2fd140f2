namespace EmailWorker.DeadLetters.Tests;

/// <summary>A clock the test sets: what the store reads as now when it stamps a renewed hold.</summary>
internal sealed class TestClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
