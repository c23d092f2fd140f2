namespace EmailWorker.Routing;

/// <summary>
/// A recipient the suppression list holds: <paramref name="Key"/> is the entry that matched (the address or <c>*@domain</c>),
/// <paramref name="Reason"/> its reason, <paramref name="Scope"/> its scope (<c>global</c> or the message's stream).
/// </summary>
internal sealed record SuppressedRecipient(string Address, string Key, string Reason, string Scope);
