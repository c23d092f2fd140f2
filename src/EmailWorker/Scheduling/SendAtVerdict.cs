namespace EmailWorker.Scheduling;

/// <summary>What the worker does with a message by its <c>sendAt</c> (<see cref="SendAtRule"/>).</summary>
internal enum SendAtVerdict
{
    /// <summary>No <c>sendAt</c>, or it has come: deliver now.</summary>
    SendNow,

    /// <summary>Due within <c>Scheduled:WaitInMemory</c>: wait for it in the handler, then deliver.</summary>
    WaitInMemory,

    /// <summary>Due later: hold it in the store until then.</summary>
    Hold,

    /// <summary>Further ahead than <c>Scheduled:Horizon</c>: refused as <c>invalid</c> (<c>send_at_beyond_horizon</c>).</summary>
    BeyondHorizon,
}
