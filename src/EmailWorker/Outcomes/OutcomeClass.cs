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
}
