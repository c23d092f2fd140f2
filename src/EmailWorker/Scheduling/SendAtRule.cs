namespace EmailWorker.Scheduling;

/// <summary>
/// The one rule for a message's <c>sendAt</c>, pure: never delivered before it. A message due within
/// <see cref="WaitInMemory"/> waits in the handler instead of a trip through the store: so a released message that reaches a
/// worker whose clock is a little behind the releaser's is delivered on time, never held a second time.
/// </summary>
internal sealed record SendAtRule(TimeSpan Horizon, TimeSpan WaitInMemory)
{
    public SendAtVerdict Judge(DateTimeOffset? sendAt, DateTimeOffset now)
    {
        if (sendAt is not { } due || due <= now)
            return SendAtVerdict.SendNow;
        var ahead = due - now;
        if (ahead > Horizon)
            return SendAtVerdict.BeyondHorizon;
        return ahead <= WaitInMemory ? SendAtVerdict.WaitInMemory : SendAtVerdict.Hold;
    }
}
