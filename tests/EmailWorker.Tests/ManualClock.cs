namespace EmailWorker.Tests;

/// <summary>A clock the test moves by hand (the controller's and the gate's arithmetic read only <see cref="GetUtcNow"/>).</summary>
internal sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now = new(2026, 12, 1, 12, 0, 0, 500, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
