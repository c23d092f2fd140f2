namespace EmailWorker.Webhooks;

/// <summary>How many webhooks of one endpoint are in each state.</summary>
internal sealed record OutboxCounts(string Endpoint, long Pending, long Delivered, long Failed);
