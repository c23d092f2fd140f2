namespace EmailWorker.Outcomes;

/// <summary>The classes of DESIGN §5; every attempt ends in exactly one.</summary>
internal enum OutcomeClass
{
    Delivered,
    Transient,
    Permanent,
    Invalid,
    Expired,
    System,

    /// <summary>The relay says we send too fast or hold too many connections: its condition, not the message's fault.</summary>
    Throttled,
}
