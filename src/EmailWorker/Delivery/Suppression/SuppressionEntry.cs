namespace EmailWorker.Delivery.Suppression;

/// <summary>
/// One entry of the suppression list: <paramref name="Key"/> is an address in lower case or <c>*@domain</c>;
/// <paramref name="Reason"/> one of <see cref="SuppressionReasons"/>; <paramref name="Scope"/> <c>global</c> (or, once
/// messages carry a stream, a stream's name); the message whose bounce added it, when, and who (<c>worker</c> for automatic entries).
/// </summary>
internal sealed record SuppressionEntry(string Key, string Scope, string Reason, string? SourceMessageId, DateTimeOffset CreatedAt, string CreatedBy);
