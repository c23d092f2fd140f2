namespace EmailWorker.Routing;

/// <summary>A recipient the suppression list holds: <paramref name="Key"/> is the entry that matched (the address or <c>*@domain</c>), <paramref name="Reason"/> its reason.</summary>
internal sealed record SuppressedRecipient(string Address, string Key, string Reason);
