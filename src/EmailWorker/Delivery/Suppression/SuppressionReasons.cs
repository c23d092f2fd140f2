using EmailWorker.Contracts;

namespace EmailWorker.Delivery.Suppression;

/// <summary>Why an address is suppressed (stored as the name).</summary>
internal static class SuppressionReasons
{
    public const string HardBounce = "hard_bounce";

    /// <summary>Soft failures (a full mailbox, say) of several messages within a window: <c>Suppression:SoftFailures</c>.</summary>
    public const string SoftBounce = "soft_bounce";
    public const string Complaint = "complaint";
    public const string Manual = "manual";

    /// <summary>The scope of an entry that holds for every message.</summary>
    public const string Global = SendEmailValidator.GlobalScope;

    public static readonly IReadOnlyList<string> All = [HardBounce, SoftBounce, Complaint, Manual];
}
