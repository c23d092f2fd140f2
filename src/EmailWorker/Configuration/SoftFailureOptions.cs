namespace EmailWorker.Configuration;

/// <summary>
/// Section <c>Suppression:SoftFailures</c>: an address whose mailbox keeps refusing mail for a while (full, say) gets a
/// <c>soft_bounce</c> entry after <see cref="Count"/> messages failed soft within <see cref="Window"/> (docs/suppression.md).
/// </summary>
internal sealed class SoftFailureOptions
{
    /// <summary>
    /// How many messages must fail soft within the window; 0 turns the counting off. Five messages over a week is a
    /// mailbox that stayed full for days, not a passing fault (mailing-list services clean an address after 7–15 such
    /// campaigns, Postal after 18 soft failures).
    /// </summary>
    public int Count { get; set; } = 5;

    /// <summary>The run's window from its first failure, e.g. 7d: an older run starts again at 1.</summary>
    public string Window { get; set; } = "7d";

    /// <summary>
    /// Enhanced codes of a per-recipient transient refusal that count (a full mailbox; 5.2.2 is retried as transient):
    /// never throttling, greylisting (4.7.x), routing or the relay's own trouble (4.3.x, 4.4.x), which say nothing of the mailbox.
    /// </summary>
    public List<string> Codes { get; set; } = ["4.2.2", "5.2.2"];

    public bool Enabled => Count > 0;

    public TimeSpan WindowValue => Duration.TryParse(Window, out var value) ? value : TimeSpan.FromDays(7);
}
