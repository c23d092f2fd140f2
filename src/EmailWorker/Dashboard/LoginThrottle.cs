using System.Threading.RateLimiting;


namespace EmailWorker.Dashboard;

/// <summary>
/// At most <see cref="AttemptsPerMinute"/> log-in attempts a minute for one user name from one address, so a password
/// cannot be guessed at the speed of the network. Keyed by both: a key by name alone would let anybody lock an
/// operator out, a key by address alone would let one guesser spread over every name.
/// </summary>
internal sealed class LoginThrottle : IDisposable
{
    public const int AttemptsPerMinute = 10;

    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(key =>
        RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = AttemptsPerMinute,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        }));

    /// <summary>False when this name from this address has used up its attempts of the current minute.</summary>
    public bool TryAttempt(string? remoteAddress, string userName)
    {
        using var lease = _limiter.AttemptAcquire($"{remoteAddress}\n{userName.ToUpperInvariant()}");
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}
