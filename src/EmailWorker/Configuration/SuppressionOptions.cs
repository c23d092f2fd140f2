namespace EmailWorker.Configuration;

/// <summary>Section <c>Suppression</c>: the suppression list (docs/suppression.md).</summary>
internal sealed class SuppressionOptions
{
    public const string Section = "Suppression";

    /// <summary>Whether recipients are checked against the list before sending, and hard bounces added to it.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Enhanced status codes of a permanent RCPT refusal that add the recipient to the list (a hard bounce).</summary>
    public List<string> HardBounceCodes { get; set; } = ["5.1.1", "5.1.10", "5.2.1"];

    /// <summary>
    /// Whether the worker keeps the list's keys in memory (a Bloom filter) and asks the database only about messages one
    /// of whose keys may be listed. An entry added by another process is then missed for at most twice <see cref="FilterRefresh"/>.
    /// </summary>
    public bool Filter { get; set; } = true;

    /// <summary>How often the filter reads the keys added since its last read, e.g. 1s.</summary>
    public string FilterRefresh { get; set; } = "1s";

    public TimeSpan FilterRefreshValue => Duration.TryParse(FilterRefresh, out var value) ? value : TimeSpan.FromSeconds(1);

    /// <summary>Soft failures counted toward a <c>soft_bounce</c> entry.</summary>
    public SoftFailureOptions SoftFailures { get; set; } = new();
}
