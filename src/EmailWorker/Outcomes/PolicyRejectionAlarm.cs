namespace EmailWorker.Outcomes;

/// <summary>
/// Notices policy refusals (5.7.x, e.g. 554 5.7.1 "rejected as spam") in a row across messages: one is that message's
/// problem, many in a row mean the sender or this relay is likely blocklisted. Raises once per run of refusals; a
/// delivery ends the run.
/// </summary>
internal sealed class PolicyRejectionAlarm
{
    public const int Threshold = 10;
    private int _inARow;

    /// <summary>Records an outcome; true exactly when this one completes a run of <see cref="Threshold"/> refusals.</summary>
    public bool Record(AttemptOutcome outcome)
    {
        if (outcome.Class == OutcomeClass.Delivered)
        {
            Interlocked.Exchange(ref _inARow, 0);
            return false;
        }
        var policy = outcome.Class == OutcomeClass.Permanent && outcome.EnhancedCode?.StartsWith("5.7.", StringComparison.Ordinal) == true;
        return policy && Interlocked.Increment(ref _inARow) == Threshold;
    }
}
