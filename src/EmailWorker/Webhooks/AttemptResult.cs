namespace EmailWorker.Webhooks;

/// <summary>One request's end: the receiver's status code (none when there was no reply), its Retry-After, or what went wrong.</summary>
internal sealed record AttemptResult(int? Status, TimeSpan? RetryAfter, string? Error)
{
    public bool IsSuccess => Status is >= 200 and <= 299;
}
