namespace EmailWorker.Configuration;

/// <summary>The status events a webhook endpoint can ask for: their routing keys on the events exchange, <c>email.&lt;outcome&gt;</c>.</summary>
internal static class WebhookEventTypes
{
    public static readonly IReadOnlyList<string> All =
    [
        "email.delivered", "email.deferred", "email.dead-lettered", "email.rejected", "email.expired", "email.in_doubt",
        "email.suppressed", "email.replayed",
    ];
}
