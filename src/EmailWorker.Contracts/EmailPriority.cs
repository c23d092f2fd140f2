namespace EmailWorker.Contracts;

/// <summary>
/// The message's lane (<see cref="SendEmail.Priority"/>): <c>high</c>, <c>normal</c> (also when left out) or <c>bulk</c>.
/// The broker cannot route on a body field, so a producer picks the lane by the exchange it publishes to: the work
/// exchange for <c>normal</c>, the work exchange's name with <c>.high</c> or <c>.bulk</c> appended for the others
/// (<see cref="ExchangeFor"/>). The worker serves a message in the lane it arrived on.
/// </summary>
public static class EmailPriority
{
    public const string High = "high";
    public const string Normal = "normal";
    public const string Bulk = "bulk";

    /// <summary>Every lane, the order the worker serves them in.</summary>
    public static IReadOnlyList<string> All { get; } = [High, Normal, Bulk];

    /// <summary>One of <c>high</c>, <c>normal</c>, <c>bulk</c> (lower case), or left out.</summary>
    public static bool IsValid(string? priority) => priority is null or High or Normal or Bulk;

    /// <summary>
    /// The exchange a message of <paramref name="priority"/> is published to, given the work exchange
    /// (<c>&lt;Topology:Prefix&gt;.send</c>): <c>email.send</c>, <c>email.send.high</c>, <c>email.send.bulk</c>.
    /// </summary>
    public static string ExchangeFor(string workExchange, string? priority) => priority switch
    {
        null or Normal => workExchange,
        High or Bulk => $"{workExchange}.{priority}",
        _ => throw new ArgumentOutOfRangeException(nameof(priority), priority, "not a priority: use high, normal or bulk"),
    };
}
