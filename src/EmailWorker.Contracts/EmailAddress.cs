namespace EmailWorker.Contracts;

/// <summary>A mailbox: an address with an optional display name.</summary>
public sealed record EmailAddress
{
    public string Address { get; init; } = "";

    public string? Name { get; init; }
}
