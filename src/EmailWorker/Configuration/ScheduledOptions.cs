namespace EmailWorker.Configuration;

/// <summary>Section <c>Scheduled</c>: messages with a <c>sendAt</c> ahead, held in the store until due (docs/scheduled-send.md).</summary>
internal sealed class ScheduledOptions
{
    public const string Section = "Scheduled";

    /// <summary>How far ahead <c>sendAt</c> may be; further is refused as <c>invalid</c> (<c>send_at_beyond_horizon</c>).</summary>
    public string Horizon { get; set; } = "30d";

    /// <summary>How often the releaser looks for due messages at most (it also wakes at the next one's <c>sendAt</c>).</summary>
    public string PollInterval { get; set; } = "250ms";

    /// <summary>A message due within this waits in the handler instead of the store (covers small clock differences between hosts).</summary>
    public string WaitInMemory { get; set; } = "2s";

    public TimeSpan HorizonValue => Duration.TryParse(Horizon, out var value) ? value : TimeSpan.FromDays(30);

    public TimeSpan PollIntervalValue => Duration.TryParse(PollInterval, out var value) ? value : TimeSpan.FromMilliseconds(250);

    public TimeSpan WaitInMemoryValue => Duration.TryParse(WaitInMemory, out var value) ? value : TimeSpan.FromSeconds(2);
}
