namespace EmailWorker.Contracts;

/// <summary>The limits a <see cref="SendEmail"/> is validated against; the worker fills them from its configuration.</summary>
public sealed record SendEmailLimits
{
    /// <summary>Recipients across to, cc and bcc.</summary>
    public int MaxRecipients { get; init; } = 100;

    /// <summary>Largest serialized message, in bytes; the .NET publisher checks it after serializing.</summary>
    public int MaxMessageBytes { get; init; } = 10 * 1024 * 1024;

    /// <summary>Whether a message without <c>from</c> is acceptable, because a default sender is configured.</summary>
    public bool HasDefaultSender { get; init; }

    /// <summary>
    /// The relay names a message's <c>relay</c> field may take (the worker's <c>Smtp:Relays</c>, compared without regard to
    /// case); null checks only that it is a well-formed name.
    /// </summary>
    public IReadOnlyCollection<string>? KnownRelays { get; init; }

    /// <summary>How far ahead <c>sendAt</c> may be (the worker's <c>Scheduled:Horizon</c>, default 30 days); checked when the clock is given.</summary>
    public TimeSpan SendAtHorizon { get; init; } = TimeSpan.FromDays(30);
}
