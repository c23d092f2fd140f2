using System.CommandLine;
using System.Diagnostics;
using EmailWorker.Broker;
using EmailWorker.Hosting;
using EmailWorker.Operations;
using EmailWorker.Routing;

namespace EmailWorker.Commands.DeadLetters;

/// <summary>
/// <c>emailworker dlq replay</c>: moves exactly the selected dead letters back to the work exchange. The set is chosen from
/// the letters present when the command starts; letters arriving meanwhile stay. Each move is publish (confirmed,
/// mandatory) then ack, so an interrupted replay leaves every letter in the work queue or still in the dead-letter queue.
/// </summary>
internal static class DlqReplayCommand
{
    private const int Window = 256;
    private static readonly string Tool = $"emailworker-cli@{Environment.MachineName}";

    public static Command Create()
    {
        var selection = new Selection();
        var dryRun = new Option<bool>("--dry-run") { Description = "Only print how many and which letters would be replayed" };
        var rate = new Option<double?>("--rate") { Description = "At most this many messages per second" };
        var yes = new Option<bool>("--yes") { Description = "Do not ask for confirmation" };
        var by = new Option<string?>("--by") { Description = "Who replays, for the audit trail (default: the OS user)" };
        var command = new Command("replay", "Move dead letters back to the work queue, with their attempt counter reset.");
        selection.AddTo(command);
        foreach (var option in new Option[] { dryRun, rate, yes, by })
            command.Options.Add(option);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(async (context, token) =>
        {
            var filter = selection.Read(parse);
            if (parse.GetValue(rate) is <= 0)
                throw new OperatorException("--rate must be a positive number of messages per second", ExitCodes.Usage);
            var replayedBy = parse.GetValue(by) is { Length: > 0 } name ? name : Environment.UserName;
            await WarnAboutHeldLettersAsync(context, token);
            await using var snapshot = await DeadLetterSnapshot.TakeAsync(context, token);
            var selected = snapshot.Entries.Where(filter.Matches).ToList();
            Console.Out.WriteLine($"{selected.Count} dead letter(s) selected: {string.Join(" ", selected.Select(e => e.MessageId))}");
            if (parse.GetValue(dryRun) || selected.Count == 0)
                return ExitCodes.Ok;
            OperatorPrompt.Confirm($"Replay {selected.Count} dead letter(s) to {context.Names.Work}?", parse.GetValue(yes));

            // Moved in the order the queue delivered them: each confirmed window is then a run the snapshot acks at once.
            var replayed = await ReplayAsync(context, snapshot, [.. selected.OrderBy(e => e.DeliveryTag)], replayedBy, parse.GetValue(rate), token);
            context.Audit.Information("Replayed {Count} dead letter(s) from {Queue} by {Operator}: {MessageIds}",
                replayed, context.Names.Dead, replayedBy, selected.Take(replayed).Select(e => e.MessageId).ToArray());
            Console.Out.WriteLine($"replayed {replayed} dead letter(s) to {context.Names.Work}");
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    /// <summary>
    /// Letters another consumer holds unacknowledged are not part of the snapshot: another replay or purge running, or one
    /// that was killed and whose connection the broker has not closed yet (the fault suite replayed right after a kill -9
    /// and moved 37 of 60). The replay goes on with what is ready; the operator learns that more will come back.
    /// </summary>
    private static async Task WarnAboutHeldLettersAsync(OperatorContext context, CancellationToken cancellationToken)
    {
        using var management = new ManagementApi(context.Broker);
        if (!management.Enabled)
            return;
        var (unacked, _) = await management.UnackedAsync(context.Names.Dead, cancellationToken);
        if (unacked is > 0)
            Console.Error.WriteLine($"warning: {unacked} dead letter(s) are held unacknowledged by another consumer (a replay or purge running, or one " +
                "that was stopped and whose connection the broker has not closed yet); they are not part of this replay. Run it again once " +
                "`emailworker status` shows 0 unacknowledged on the dead-letter queue.");
    }

    /// <summary>
    /// Publishes in windows of up to <see cref="Window"/> outstanding confirms, and acks each dead letter only after its
    /// own copy was confirmed. Unpaced, the next window is published while the previous one's confirms come back, so at
    /// most two windows are in flight (the most an interruption can leave in both queues); paced (--rate), one letter.
    /// </summary>
    private static async Task<int> ReplayAsync(OperatorContext context, DeadLetterSnapshot snapshot, List<DeadLetterEntry> selected,
        string replayedBy, double? rate, CancellationToken cancellationToken)
    {
        await using var publisher = new ConfirmedPublisher(context.ConnectAsync);
        var mover = new MessageMover(publisher, context.Names);
        var window = rate is null ? Window : 1;
        var clock = Stopwatch.StartNew();
        var lastProgress = TimeSpan.Zero;
        (Task Confirmed, List<DeadLetterEntry> Batch)? inFlight = null;
        for (var start = 0; start < selected.Count; start += window)
        {
            if (rate is { } perSecond && TimeSpan.FromSeconds(start / perSecond) - clock.Elapsed is { Ticks: > 0 } wait)
                await Task.Delay(wait, cancellationToken);
            var batch = selected.Skip(start).Take(window).ToList();
            var confirmed = PublishAsync(context, mover, batch, replayedBy, cancellationToken);
            if (inFlight is { } previous)
                await SettleAsync(snapshot, previous.Confirmed, previous.Batch);
            inFlight = (confirmed, batch);
            if (rate is not null)
            {
                await SettleAsync(snapshot, confirmed, batch);
                inFlight = null;
            }
            if (clock.Elapsed - lastProgress > TimeSpan.FromSeconds(1))
            {
                lastProgress = clock.Elapsed;
                await Console.Error.WriteLineAsync($"replayed {start + batch.Count}/{selected.Count}");
            }
        }
        if (inFlight is { } last)
            await SettleAsync(snapshot, last.Confirmed, last.Batch);
        return selected.Count;
    }

    private static async Task PublishAsync(OperatorContext context, MessageMover mover, List<DeadLetterEntry> batch, string replayedBy,
        CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(context.Broker.PublishTimeoutValue);
        var now = DateTimeOffset.UtcNow;
        await Task.WhenAll(batch.Select(entry => mover.ReplayAsync(entry.Message,
            FatePlanner.Replayed(entry.State, entry.Class, replayedBy, Tool, now), new ReplayStamp(now, replayedBy), timeout.Token)));
    }

    /// <summary>Only after the broker confirmed the copies in the work queue do the dead letters go.</summary>
    private static async Task SettleAsync(DeadLetterSnapshot snapshot, Task confirmed, List<DeadLetterEntry> batch)
    {
        await confirmed;
        await snapshot.AckAsync(batch, CancellationToken.None);
    }
}
