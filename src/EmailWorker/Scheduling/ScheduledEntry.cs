namespace EmailWorker.Scheduling;

/// <summary>
/// A scheduled message as the operator commands and the dashboard list it: no body, only its size. <see cref="ChangedBy"/>
/// is who cancelled it (or <c>worker</c> for a release); null while it is held.
/// </summary>
internal sealed record ScheduledEntry(
    string MessageId,
    DateTimeOffset SendAt,
    DateTimeOffset HeldAt,
    ScheduledState State,
    long BodyBytes,
    DateTimeOffset? ChangedAt,
    string? ChangedBy);
