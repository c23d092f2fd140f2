namespace EmailWorker.Outcomes;

/// <summary>
/// The one spelling of each class wherever it is written — headers, history, status events, logs, metric attributes:
/// constants, so naming a class allocates nothing.
/// </summary>
internal static class OutcomeClassNames
{
    public static string Name(this OutcomeClass outcomeClass) => outcomeClass switch
    {
        OutcomeClass.Delivered => "delivered",
        OutcomeClass.Transient => "transient",
        OutcomeClass.Permanent => "permanent",
        OutcomeClass.Invalid => "invalid",
        OutcomeClass.Expired => "expired",
        OutcomeClass.Throttled => "throttled",
        _ => "system",
    };
}
