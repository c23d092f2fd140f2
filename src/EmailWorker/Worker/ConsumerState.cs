namespace EmailWorker.Worker;

/// <summary>Whether the worker consumes its work queue, and if not, why.</summary>
internal enum ConsumerState
{
    /// <summary>Start-up has not finished: topology, first consume.</summary>
    Starting,

    /// <summary>A consumer is registered on the work queue.</summary>
    Consuming,

    /// <summary>Paused because the relay circuit breaker is open: the relay's fault, not this worker's.</summary>
    PausedByBreaker,

    /// <summary>Paused because the broker blocks publishers (memory or disk alarm).</summary>
    PausedWhileBrokerBlocks,

    /// <summary>Not consuming for another reason (a consume that failed and is being tried again).</summary>
    NotConsuming,

    /// <summary>The worker is stopping.</summary>
    Stopped,
}
