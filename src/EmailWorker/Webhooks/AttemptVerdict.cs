namespace EmailWorker.Webhooks;

/// <summary>What becomes of a webhook after one attempt (<see cref="WebhookAttempts.Judge"/>).</summary>
internal abstract record AttemptVerdict
{
    private AttemptVerdict()
    {
    }

    /// <summary>2xx: done.</summary>
    public sealed record Delivered : AttemptVerdict;

    /// <summary>Another attempt at <see cref="At"/>.</summary>
    public sealed record Retry(DateTimeOffset At) : AttemptVerdict;

    /// <summary>The last attempt failed: the row has failed (an operator may replay it).</summary>
    public sealed record Failed : AttemptVerdict;

    /// <summary>410 Gone: the row has failed and the endpoint is disabled.</summary>
    public sealed record Gone : AttemptVerdict;
}
