using EmailWorker.Configuration;
using EmailWorker.Contracts;
using EmailWorker.Delivery.Relays;
using EmailWorker.Broker;
using EmailWorker.Diagnostics;
using EmailWorker.Messages;
using EmailWorker.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailWorker.Worker;

/// <summary>
/// Carries out a <see cref="Plan"/>: opens the relay's breaker when it says so, publishes its moves through the one
/// <see cref="MessageMover"/> while the source is held, reports once every move is durable, and says whether the source
/// may be acked.
/// </summary>
/// <remarks>
/// A move is never published again merely because its confirm is slow (a blocked broker confirms late, not never): the
/// wait goes on as long as the publishing channel lives, and a warning says so every <c>RabbitMq:PublishTimeout</c>. It
/// is published again after a nack or a return (the broker did not take it) and after the channel was lost — there the
/// first copy may have been stored with its confirm lost in transit, so a tier can hold two copies (a duplicate later,
/// never a loss). When the host stops for good while a move is still unconfirmed, the source is given back as it came
/// only if no recipient accepted it; otherwise the move keeps waiting past the drain time, and only a kill of the
/// process (the supervisor's stop timeout) gives it back whole — the one window where a recipient who got a 250 can get
/// the mail again.
/// </remarks>
internal sealed class PlanExecutor(MessageMover mover, OutcomeReporter reporter,
    IOptions<RabbitMqOptions> rabbit, TimeProvider time, FailingMoves failing, ILogger<PlanExecutor> logger)
{
    private static readonly TimeSpan FirstRetryPause = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetryPause = TimeSpan.FromSeconds(30);

    /// <summary>
    /// True when the source may be acked; false when it must go back to the broker untouched. <paramref name="relay"/> is
    /// the relay the attempt went to: the one whose breaker a plan that says so opens.
    /// </summary>
    public async Task<bool> CarryOutAsync(IncomingMessage source, string messageId, SendEmail? command, Plan plan, CancellationToken hardStop,
        Relay? relay = null)
    {
        if (plan.Requeue)
            return false;
        if (plan.TripBreaker is { } reason && relay is not null)
            relay.Breaker.Trip(reason);
        // Given back whole, a message some recipients accepted would be sent to them again: its moves wait for their
        // confirms even past the drain time, and only the supervisor's kill ends that wait.
        var holdPastStop = plan.Reports.Any(report => report is Report.Delivered) ? CancellationToken.None : hardStop;
        foreach (var move in plan.Moves)
        {
            if (!await PublishWhileHeldAsync(source, move, messageId, holdPastStop))
                return false;
        }
        try
        {
            reporter.Report(source, messageId, command, plan.Reports);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The moves are durable and the mail may have had its 250: requeueing now would send it again. Reporting is
            // only telling about it, so a failure there (a bug, a property nobody foresaw) costs the report, not a resend.
            Log.ReportFailed(logger, messageId, ex);
        }
        return true;
    }

    private async Task<bool> PublishWhileHeldAsync(IncomingMessage source, Move move, string messageId, CancellationToken hardStop)
    {
        var pause = FirstRetryPause;
        long? ticket = null;
        try
        {
            while (true)
            {
                try
                {
                    await WaitForConfirmAsync(mover.MoveAsync(source, move, hardStop), move, messageId, hardStop);
                    return true;
                }
                catch (OperationCanceledException) when (hardStop.IsCancellationRequested)
                {
                    Log.MoveAbandoned(logger, messageId, move.To.Word());
                    return false;
                }
                catch (Exception ex)
                {
                    Log.MoveFailed(logger, messageId, move.To.Word(), ex.Message, pause);
                    // Held and tried again: the readiness check names the queue while any move to it fails.
                    if (ticket is { } held)
                        failing.Update(held, ex.Message);
                    else
                        ticket = failing.Add(mover.QueueOf(move, source.Lane), ex.Message);
                }
                try
                {
                    await Task.Delay(pause, time, hardStop);
                }
                catch (OperationCanceledException)
                {
                    Log.MoveAbandoned(logger, messageId, move.To.Word());
                    return false;
                }
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, MaxRetryPause.Ticks));
            }
        }
        finally
        {
            if (ticket is { } done)
                failing.Remove(done);
        }
    }

    private async Task WaitForConfirmAsync(Task publish, Move move, string messageId, CancellationToken hardStop)
    {
        var waited = TimeSpan.Zero;
        var interval = rabbit.Value.PublishTimeoutValue;
        while (!publish.IsCompleted)
        {
            var tick = Task.Delay(interval, time, hardStop);
            if (await Task.WhenAny(publish, tick) == publish)
                break;
            waited += interval;
            if (tick.IsCanceled)
                break;
            Log.MoveUnconfirmed(logger, messageId, move.To.Word(), waited);
        }
        await publish;
    }
}
