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
            original: (source.OriginalExpiration, source.OriginalUserId), lane: source.Lane);
        var (exchange, routingKey) = move.To switch
        {
            Destination.WorkQueue => (names.WorkFor(source.Lane), ""),
            Destination.RetryTier => (names.RetryExchange, QueueOf(move, source.Lane)),
            Destination.DeadLetter => (names.Dead, ""),
            _ => throw new ArgumentOutOfRangeException(nameof(move), move.To, "unknown destination"),
        };
        return publisher.PublishAsync(exchange, routingKey, RepublishedProperties.From(source, headers), source.Body, cancellationToken);
    }

    /// <summary>The queue a move of a message in <paramref name="lane"/> goes to: the lane's work queue, the lane's retry tier, or the dead-letter queue.</summary>
    public string QueueOf(Move move, Lane lane) => move.To switch
    {
        Destination.WorkQueue => names.WorkFor(lane),
        Destination.RetryTier => names.TierFor(move.Tier ?? throw new ArgumentException("a retry move names its tier", nameof(move)), lane).QueueName,
        Destination.DeadLetter => names.Dead,
        _ => throw new ArgumentOutOfRangeException(nameof(move), move.To, "unknown destination"),
    };

    /// <summary>
    /// A held message (scheduled send) into the work exchange of its lane once due, as its producer published it: the body
    /// and properties unchanged, the headers as they came (ours rewritten by the codec, the broker's dropped). The one
    /// function through which a due message enters a work exchange. Its lane is the one it was held from
    /// (<see cref="HeaderNames.Lane"/>, written by the hold), else normal.
    /// </summary>
    public Task ReleaseAsync(IncomingMessage held, CancellationToken cancellationToken)
    {
        var lane = HeaderCodec.ReadLane(held.Headers) ?? Lane.Normal;
        var headers = HeaderCodec.Write(held.Headers, HeaderCodec.ReadState(held.Headers), original: (held.OriginalExpiration, held.OriginalUserId), lane: lane);
        return publisher.PublishAsync(names.WorkFor(lane), "", RepublishedProperties.From(held, headers), held.Body, cancellationToken);
    }

    /// <summary>
    /// A dead letter back to the work exchange of its lane (<see cref="LaneOf"/>) with <paramref name="state"/> (the
    /// replay's) and who replayed it.
    /// </summary>
    public Task ReplayAsync(IncomingMessage letter, AttemptState state, ReplayStamp stamp, CancellationToken cancellationToken)
    {
        var lane = LaneOf(letter.Headers);
        var headers = HeaderCodec.Write(letter.Headers, state, failure: null, stamp,
            (letter.OriginalExpiration, letter.OriginalUserId), lane);
        return publisher.PublishAsync(names.WorkFor(lane), "", RepublishedProperties.From(letter, headers), letter.Body, cancellationToken);
    }

    /// <summary>
    /// The lane a dead letter was served in: the one the worker's move wrote, else the lane of the work queue the broker
    /// dead-lettered it from (its delivery limit), else normal (a letter from before there were lanes, or a foreign one).
    /// Not the body's <c>priority</c>: a message is served in the lane it was published to, and a replay keeps to it.
    /// </summary>
    public Lane LaneOf(IDictionary<string, object?>? headers) =>
        HeaderCodec.ReadLane(headers) ?? names.LaneOfWorkQueue(HeaderCodec.ReadString(headers, HeaderNames.BrokerFirstDeathQueue)) ?? Lane.Normal;
}
