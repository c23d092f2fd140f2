namespace EmailWorker.Routing;

/// <summary>
/// What the suppression list said about a message's recipients before its attempt, as the planner's input: the recipients
/// listed (each with the entry that matched) and <see cref="Remaining"/>, those the attempt is for. Addresses as the
/// message spells them; <see cref="SoftFailing"/> are those (lower case) with a count of soft failures running, which a
/// delivery clears.
/// </summary>
internal sealed record SuppressionFindings(IReadOnlyList<SuppressedRecipient> Suppressed, IReadOnlyList<string> Remaining)
{
    public IReadOnlyList<string> SoftFailing { get; init; } = [];

    /// <summary>Whether the list took any recipient out of the attempt.</summary>
    public bool Skips => Suppressed.Count > 0;
}
