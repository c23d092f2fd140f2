namespace EmailWorker.Operations;

/// <summary>Which dead letters a list, replay or purge acts on. Every criterion given must hold.</summary>
internal sealed record DeadLetterFilter(
    IReadOnlySet<string>? MessageIds = null,
    string? Class = null,
    string? ReasonContains = null,
    string? ToDomain = null,
    (string Key, string Value)? Tag = null,
    DateTimeOffset? Since = null,
    DateTimeOffset? Until = null)
{
    public bool Matches(DeadLetterEntry entry) =>
        (MessageIds is null || MessageIds.Contains(entry.MessageId))
        && (Class is null || string.Equals(entry.Class, Class, StringComparison.OrdinalIgnoreCase))
        && (ReasonContains is null || entry.Reason.Contains(ReasonContains, StringComparison.OrdinalIgnoreCase))
        && (ToDomain is null || entry.Recipients.Any(r => r.EndsWith("@" + ToDomain, StringComparison.OrdinalIgnoreCase)))
        && (Tag is not { } tag || (entry.Command?.Tags.TryGetValue(tag.Key, out var value) == true && value == tag.Value))
        && (Since is null || entry.LastFailureAt >= Since)
        && (Until is null || entry.LastFailureAt <= Until);

    public bool IsEmpty => this == new DeadLetterFilter();
}
