namespace EmailWorker.Routing;

/// <summary>Where a move publishes a message.</summary>
internal enum Destination
{
    /// <summary>Back to the tail of the work queue (a fault that was not the message's own).</summary>
    WorkQueue,

    /// <summary>The retry tier of the move's <see cref="Move.Tier"/>.</summary>
    RetryTier,

    /// <summary>The dead-letter queue, with the move's failure record.</summary>
    DeadLetter,
}

internal static class DestinationNames
{
    /// <summary>The word logs use for the destination: "work", "retry" or "dead-letter" (as in "the retry queue").</summary>
    public static string Word(this Destination destination) => destination switch
    {
        Destination.WorkQueue => "work",
        Destination.RetryTier => "retry",
        _ => "dead-letter",
    };
}
