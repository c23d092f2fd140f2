namespace EmailWorker.Outcomes;

/// <summary>
/// Notices the same kind of failure in a row across messages, where one would be a message's own bad luck and a run says
/// something about the relay or the sender. A delivery ends the run. Thread-safe.
/// </summary>
/// <param name="threshold">How many in a row raise the alarm.</param>
/// <param name="counts">Which outcomes are part of the run; others neither count nor end it.</param>
/// <param name="rearms">Whether a run that raised starts afresh (and can raise again), or raises once until a delivery.</param>
internal sealed class OutcomeRunAlarm(int threshold, Func<AttemptOutcome, bool> counts, bool rearms)
{
    private int _inARow;

    public int Threshold => threshold;

    /// <summary>Policy refusals (5.7.x): many in a row mean the sender or this relay is likely blocklisted. Raises once per run.</summary>
    public static OutcomeRunAlarm PolicyRejections() => new(10,
        outcome => outcome.Class == OutcomeClass.Permanent && outcome.EnhancedCode?.StartsWith("5.7.", StringComparison.Ordinal) == true,
        rearms: false);

    /// <summary>Protocol errors, lost connections, missed deadlines: three in a row are the relay's fault and open the breaker.</summary>
    public static OutcomeRunAlarm RelayFaults() => new(3, outcome => outcome.RelayFaultIfRepeated, rearms: true);

    /// <summary>Records an outcome; true when it completes a run of <see cref="Threshold"/>.</summary>
    public bool Record(AttemptOutcome outcome)
    {
        if (outcome.Class == OutcomeClass.Delivered)
        {
            Interlocked.Exchange(ref _inARow, 0);
            return false;
        }
        if (!counts(outcome))
            return false;
        var inARow = Interlocked.Increment(ref _inARow);
        if (!rearms)
            return inARow == threshold;
        if (inARow < threshold)
            return false;
        Interlocked.Exchange(ref _inARow, 0);
        return true;
    }
}
