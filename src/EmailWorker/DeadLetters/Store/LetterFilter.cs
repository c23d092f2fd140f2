namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// Which stored letters a list, count, group, purge or replay job takes. Every condition set must hold; <see cref="State"/>
/// defaults to dead letters only (null takes history too). Times compare with the letter's last failure.
/// </summary>
internal sealed record LetterFilter
{
    public string? Class { get; init; }

    public int? SmtpCode { get; init; }

    public string? EnhancedCode { get; init; }

    /// <summary>The group key (<see cref="LetterGroupKey.Key"/>).</summary>
    public string? Group { get; init; }

    public string? MessageId { get; init; }

    /// <summary>A recipient at this domain (without the <c>@</c>), compared without regard to (ASCII) case.</summary>
    public string? RecipientDomain { get; init; }

    /// <summary>Text the reason contains, compared without regard to (ASCII) case.</summary>
    public string? ReasonContains { get; init; }

    /// <summary>Last failure at or after this time.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Last failure before this time.</summary>
    public DateTimeOffset? Until { get; init; }

    public LetterState? State { get; init; } = LetterState.Dead;

    /// <summary>
    /// Only letters stored up to this sequence number: the newest letter when a dry run counted the selection, so that its
    /// confirmation acts on what the operator saw and not on letters stored since (see <c>IDeadLetterStore.NewestSequenceAsync</c>).
    /// </summary>
    public long? UpTo { get; init; }
}
