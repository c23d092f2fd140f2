namespace EmailWorker.Scheduling;

/// <summary>Where a scheduled message is; the numbers are the store's <c>scheduled_messages.state</c>.</summary>
internal enum ScheduledState
{
    /// <summary>Waiting for its <c>sendAt</c>; may be cancelled.</summary>
    Held = 0,

    /// <summary>Cancelled by an operator before it was due: never published; its body is gone.</summary>
    Cancelled = 1,

    /// <summary>Published to the work exchange once due; its body is gone.</summary>
    Released = 2,
}
