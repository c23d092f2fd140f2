namespace EmailWorker.Configuration;

/// <summary>
/// One delay queue, e.g. <c>email.retry.2m</c>. Named by its delay, so a changed schedule creates new queues instead of
/// clashing with the arguments of old ones.
/// </summary>
internal sealed record RetryTier(string Prefix, TimeSpan Delay)
{
    public string QueueName => $"{Prefix}.retry.{Duration.Format(Delay)}";
}
