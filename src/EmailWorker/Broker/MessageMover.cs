using EmailWorker.Messages;
using EmailWorker.Routing;
using EmailWorker.Configuration;

namespace EmailWorker.Broker;

/// <summary>
/// The only code that publishes a message to the work exchange, a retry tier or the dead-letter queue — for the worker's
/// moves and for <c>dlq replay</c>: the original body byte for byte, the headers written by <see cref="HeaderCodec"/>,
/// published with confirms and <c>mandatory</c>. It returns once the broker confirmed; a nack, a return or a lost channel
/// throw, and the caller acks the source only after it returned.
/// </summary>
internal sealed class MessageMover(ConfirmedPublisher publisher, TopologyNames names)
{
    public Task MoveAsync(IncomingMessage source, Move move, CancellationToken cancellationToken)
    {
        var headers = HeaderCodec.Write(source.Headers, move.State, move.Failure,
            original: (source.OriginalExpiration, source.OriginalUserId));
        var (exchange, routingKey) = move.To switch
        {
            Destination.WorkQueue => (names.Work, ""),
            Destination.RetryTier => (names.RetryExchange, QueueOf(move)),
            Destination.DeadLetter => (names.Dead, ""),
            _ => throw new ArgumentOutOfRangeException(nameof(move), move.To, "unknown destination"),
        };
        return publisher.PublishAsync(exchange, routingKey, RepublishedProperties.From(source, headers), source.Body, cancellationToken);
    }

    /// <summary>The queue a move goes to: the work queue, its retry tier's queue, or the dead-letter queue.</summary>
    public string QueueOf(Move move) => move.To switch
    {
        Destination.WorkQueue => names.Work,
        Destination.RetryTier => names.TierFor(move.Tier ?? throw new ArgumentException("a retry move names its tier", nameof(move))).QueueName,
        Destination.DeadLetter => names.Dead,
        _ => throw new ArgumentOutOfRangeException(nameof(move), move.To, "unknown destination"),
    };

    /// <summary>
    /// A held message (scheduled send) into the work exchange once due, as its producer published it: the body and
    /// properties unchanged, the headers as they came (ours rewritten by the codec, the broker's dropped). The one function
    /// through which a due message enters the work exchange.
    /// </summary>
    public Task ReleaseAsync(IncomingMessage held, CancellationToken cancellationToken)
    {
        var headers = HeaderCodec.Write(held.Headers, HeaderCodec.ReadState(held.Headers), original: (held.OriginalExpiration, held.OriginalUserId));
        return publisher.PublishAsync(names.Work, "", RepublishedProperties.From(held, headers), held.Body, cancellationToken);
    }

    /// <summary>A dead letter back to the work exchange with <paramref name="state"/> (the replay's) and who replayed it.</summary>
    public Task ReplayAsync(IncomingMessage letter, AttemptState state, ReplayStamp stamp, CancellationToken cancellationToken)
    {
        var headers = HeaderCodec.Write(letter.Headers, state, failure: null, stamp,
            (letter.OriginalExpiration, letter.OriginalUserId));
        return publisher.PublishAsync(names.Work, "", RepublishedProperties.From(letter, headers), letter.Body, cancellationToken);
    }
}
