namespace EmailWorker.Diagnostics;

/// <summary>The values of <c>emailworker.outcome</c> and <c>emailworker.class</c>: constants, so counting allocates nothing.</summary>
internal static class OutcomeNames
{
    public const string Delivered = "delivered";
    public const string Deferred = "deferred";
    public const string DeadLettered = "dead_lettered";
    public const string Rejected = "rejected";
    public const string Expired = "expired";
    public const string Returned = "returned";

    /// <summary>A recipient on the suppression list, not sent to.</summary>
    public const string Suppressed = "suppressed";

    // The delivered ledger's findings (emailworker.ledger.recipients' emailworker.ledger.outcome).
    public const string DeliveredBefore = "delivered_before";
    public const string InDoubtResent = "in_doubt_resent";
    public const string InDoubtAssumedDelivered = "in_doubt_assumed_delivered";
}
