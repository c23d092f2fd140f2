namespace EmailWorker.Delivery;

/// <summary>What happens to the delivery on the work queue once it has been handled.</summary>
internal enum HandlingDecision
{
    /// <summary>Its outcome is recorded durably (delivered, or moved to a retry tier or the dead-letter queue): ack.</summary>
    Ack,

    /// <summary>Not the message's fault (relay down, shutting down, a move failed): back to the queue, no attempt counted.</summary>
    Requeue,
}
