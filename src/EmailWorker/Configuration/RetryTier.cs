namespace EmailWorker.Configuration;

/// <summary>
/// One delay queue of one lane, e.g. <c>email.retry.2m</c> (normal) or <c>email.retry.high.2m</c>. Named by its delay, so a
/// changed schedule creates new queues instead of clashing with the arguments of old ones; a lane of its own per tier,
/// because a tier's expired messages go to one fixed exchange (<c>x-dead-letter-exchange</c>): its lane's work exchange.
/// The normal lane's tiers keep the names they had before there were lanes.
/// </summary>
internal sealed record RetryTier(string Prefix, TimeSpan Delay, Lane Lane = Lane.Normal)
{
    public string QueueName => Lane == Lane.Normal
        ? $"{Prefix}.retry.{Duration.Format(Delay)}"
        : $"{Prefix}.retry.{Lane.Name()}.{Duration.Format(Delay)}";
}
