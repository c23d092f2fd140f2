using EmailWorker.Messages;

namespace EmailWorker.Routing;

/// <summary>
/// One publish of the message (its body unchanged) to <paramref name="To"/>, standing for the recipients in
/// <see cref="AttemptState.Recipients"/> of <paramref name="State"/>, which is written to its headers; a retry waits in the
/// tier queue of <paramref name="Tier"/> (its step's own or one of its jitter tiers).
/// </summary>
internal sealed record Move(Destination To, AttemptState State, FailureRecord? Failure = null, TimeSpan? Tier = null);
