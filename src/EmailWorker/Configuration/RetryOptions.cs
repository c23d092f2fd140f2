namespace EmailWorker.Configuration;

/// <summary>Section <c>Retry</c>: the delay tiers a transiently failed message passes through, by cause (DESIGN §6).</summary>
internal sealed class RetryOptions
{
    public const string Section = "Retry";

    /// <summary>Comma-separated delays with units; one string so one environment variable replaces the whole schedule.</summary>
    public string Schedule { get; set; } = "30s,2m,10m,30m,1h,2h,4h";

    /// <summary>Greylisting replies (4.7.1) skip ahead to the first tier at least this long; capped by the schedule.</summary>
    public string GreylistMinimum { get; set; } = "5m";

    /// <summary>The schedule of a full mailbox (4.2.2, 5.2.2): its owner has to make room, which takes hours. Empty: <see cref="Schedule"/>.</summary>
    public string MailboxFull { get; set; } = "1h,2h,4h";

    /// <summary>The schedule of the relay's failure to reach the recipient's domain (4.4.x). Empty: <see cref="Schedule"/>.</summary>
    public string DomainFailure { get; set; } = "10m,30m,1h,2h,4h";

    /// <summary>The schedule of a connection lost (or a deadline passed) during the transaction. Empty: <see cref="Schedule"/>.</summary>
    public string ConnectionFailure { get; set; } = "";

    /// <summary>How much longer than its step a retry may wait, in percent of the step; 0 turns jitter off.</summary>
    public int JitterPercent { get; set; } = 20;

    /// <summary>Tier queues per step the jitter spreads over (the step's own and evenly longer ones); 1 turns jitter off.</summary>
    public int JitterTiers { get; set; } = 4;

    /// <summary>
    /// How often a message may go back to the work queue for faults not its own (the relay refusing to relay, a 421 at
    /// RCPT…) before it is dead-lettered as <c>system</c>, so nothing circles forever.
    /// </summary>
    public int MaxSystemReturns { get; set; } = 10;

    /// <summary>At most this many tier queues per lane (the topology has each lane's: three times as many), however the schedules and the jitter combine.</summary>
    public const int MaxTierQueues = 100;

    /// <summary>The schedules and jitter as the planner and the topology use them (valid options assumed: validated at start-up).</summary>
    public RetrySchedules Schedules
    {
        get
        {
            var schedule = RetrySchedule.Parse(Schedule);
            IReadOnlyList<TimeSpan> Or(string own) => string.IsNullOrWhiteSpace(own) ? schedule : RetrySchedule.Parse(own);
            return new RetrySchedules(schedule, Duration.TryParse(GreylistMinimum, out var minimum) ? minimum : TimeSpan.FromMinutes(5))
            {
                MailboxFull = Or(MailboxFull),
                DomainFailure = Or(DomainFailure),
                ConnectionFailure = Or(ConnectionFailure),
                Jitter = new RetryJitter(JitterPercent / 100.0, JitterTiers),
            };
        }
    }
}
