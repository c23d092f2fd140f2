namespace EmailWorker.Publisher;

/// <summary>Why a publish did not reach the broker for certain; the message must be treated as not sent.</summary>
public enum PublishFailure
{
    /// <summary>The broker could not be reached or refused the connection.</summary>
    Unreachable,

    /// <summary>The broker returned the message: the exchange has no queue bound (mandatory flag).</summary>
    Unroutable,

    /// <summary>The broker refused the message (a nack), or the exchange does not exist.</summary>
    Refused,

    /// <summary>No confirm arrived within the timeout.</summary>
    TimedOut,

    /// <summary>The connection or channel was lost before the confirm.</summary>
    ConnectionLost,
}

/// <summary>A publish that the broker did not confirm. Nothing may be assumed sent.</summary>
public sealed class EmailPublishException(string messageId, PublishFailure failure, string detail, Exception? inner = null)
    : Exception($"The email '{messageId}' was not confirmed by the broker ({failure}): {detail}", inner)
{
    public string MessageId { get; } = messageId;

    public PublishFailure Failure { get; } = failure;
}
