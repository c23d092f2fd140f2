namespace EmailWorker.Outcomes;

/// <summary>
/// Notices faults that, repeated across messages, are the relay's (protocol errors, lost connections, missed deadlines):
/// one is a message's bad luck and goes to a retry tier; <see cref="Threshold"/> in a row without a delivery between them
/// open the breaker. Thread-safe.
/// </summary>
internal sealed class RelayFaultAlarm
{
    public const int Threshold = 3;
    private int _inARow;

    /// <summary>Records an outcome; true when it completes a run of <see cref="Threshold"/> (the run then starts afresh).</summary>
    public bool Record(AttemptOutcome outcome)
    {
        if (outcome.Class == OutcomeClass.Delivered)
        {
            Interlocked.Exchange(ref _inARow, 0);
            return false;
        }
        if (!outcome.RelayFaultIfRepeated)
            return false;
        if (Interlocked.Increment(ref _inARow) < Threshold)
            return false;
        Interlocked.Exchange(ref _inARow, 0);
        return true;
    }
}
