using System.Threading.RateLimiting;


namespace EmailWorker.Dashboard;

/// <summary>
/// Log-in attempts a minute: at most <see cref="AttemptsPerAddress"/> from one client address whatever the names (random
/// names cannot buy unlimited guesses, nor unlimited password-hash checks), and at most <see cref="AttemptsPerName"/> for
/// one user name from one address. The address is the client's — behind a trusted proxy the one it forwarded — never the
/// proxy's, and no limit is per name alone: a guesser elsewhere can lock out neither everybody nor one operator.
/// </summary>
internal sealed class LoginThrottle : IDisposable
{
    public const int AttemptsPerName = 10;
    public const int AttemptsPerAddress = 30;

    private readonly PartitionedRateLimiter<string> _perAddress = Limiter(AttemptsPerAddress);
    private readonly PartitionedRateLimiter<string> _perName = Limiter(AttemptsPerName);

    /// <summary>False when this address, or this name from this address, has used up the attempts of the current minute.</summary>
    public bool TryAttempt(string? remoteAddress, string userName)
    {
        using var address = _perAddress.AttemptAcquire(remoteAddress ?? "");
        if (!address.IsAcquired)
            return false;
        using var name = _perName.AttemptAcquire($"{remoteAddress}\n{userName.ToUpperInvariant()}");
        return name.IsAcquired;
    }

    public void Dispose()
    {
        _perAddress.Dispose();
        _perName.Dispose();
    }

    private static PartitionedRateLimiter<string> Limiter(int attemptsPerMinute) => PartitionedRateLimiter.Create<string, string>(key =>
        RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = attemptsPerMinute,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        }));
}
