namespace EmailWorker.Delivery.Relays;

/// <summary>One configured relay and what the worker keeps for it, one instance each: its gate (with the pace controller), its SMTP pool and its circuit breaker.</summary>
internal sealed class Relay(string name, int weight, RelayGate gate, SmtpConnectionPool pool, RelayCircuitBreaker breaker) : IAsyncDisposable
{
    public string Name => name;

    public int Weight => weight;

    public RelayGate Gate => gate;

    public SmtpConnectionPool Pool => pool;

    public RelayCircuitBreaker Breaker => breaker;

    public RelayHealth Health => breaker.IsOpen ? RelayHealth.Down : gate.IsThrottlingHard ? RelayHealth.ThrottlingHard : RelayHealth.Usable;

    /// <summary>Its limits, breaker and last changes now, for <c>GET /relays</c>.</summary>
    public RelayStatus Status() => gate.Status(breaker.IsOpen);

    public async ValueTask DisposeAsync()
    {
        await breaker.DisposeAsync();
        await pool.DisposeAsync();
    }
}
