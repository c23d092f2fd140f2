namespace EmailWorker.Scheduling;

/// <summary>What a cancel by message id found.</summary>
internal enum CancelOutcome
{
    /// <summary>It was held: now cancelled, and it is never published.</summary>
    Cancelled,

    /// <summary>No scheduled message has that id (or retention removed it).</summary>
    NotFound,

    /// <summary>Cancelled before.</summary>
    AlreadyCancelled,

    /// <summary>Too late: it was published when due.</summary>
    AlreadyReleased,

    /// <summary>Too late: a worker is publishing it at this moment (it holds the row's lease).</summary>
    BeingReleased,
}
