using System.Diagnostics;
using System.Text.Json;
using EmailWorker.Broker;
using EmailWorker.Contracts;
using EmailWorker.Contracts.Events;
using EmailWorker.DeadLetters;
using EmailWorker.Logging;
using EmailWorker.Operations;
using EmailWorker.Routing;
using RabbitMQ.Client;

namespace EmailWorker.Commands.DeadLetters;

/// <summary>
/// Runs a replay job from its cursor to its end, a window at a time: the window's end is recorded as in flight, its dead
/// letters go through the one <see cref="MessageMover"/> with confirms, and only once every confirm came back are they
/// marked replayed and the cursor moved, in one transaction. A kill between the confirms and that commit leaves the
/// window to be sent again by a resume — the only letters that can go twice, at most one window.
/// </summary>
internal sealed class ReplayJobRunner(OperatorContext context, IDeadLetterStore store, string replayedBy)
{
    /// <summary>Letters published per window unpaced: bounds the duplicates a kill can cause.</summary>
    public const int Window = 256;

    private static readonly string Tool = $"emailworker-cli@{Environment.MachineName}";
    private IChannel? _events;
    private bool _eventsRefused;

    /// <summary>The window for a rate: a tenth of a second's letters, so pacing stays smooth.</summary>
    public static int WindowFor(double? rate) => rate is { } perSecond ? (int)Math.Clamp(Math.Ceiling(perSecond / 10), 1, Window) : Window;

    public async Task<ReplayJob> RunAsync(ReplayJob job, double? rate, CancellationToken cancellationToken)
    {
        await using var publisher = new ConfirmedPublisher(context.ConnectAsync);
        var mover = new MessageMover(publisher, context.Names);
        var window = WindowFor(rate);
        job = await store.SetReplayJobStateAsync(job.Id, ReplayJobState.Running, DateTimeOffset.UtcNow, cancellationToken);
        var startCursor = job.Cursor;
        var clock = Stopwatch.StartNew();
        var lastProgress = TimeSpan.Zero;
        try
        {
            while (true)
            {
                if (rate is { } perSecond && TimeSpan.FromSeconds((job.Cursor - startCursor) / perSecond) - clock.Elapsed is { Ticks: > 0 } wait)
                    await Task.Delay(wait, cancellationToken);
                var letters = await store.ReadJobWindowAsync(job.Id, window, cancellationToken);
                if (letters.Count == 0)
                    break;
                var last = letters[^1].Position;
                var dead = letters.Where(l => l.Letter.Summary.State == LetterState.Dead).Select(l => l.Letter).ToList();
                var now = DateTimeOffset.UtcNow;
                if (dead.Count > 0)
                {
                    await store.BeginReplayWindowAsync(job.Id, last, now, cancellationToken);
                    await PublishAsync(mover, dead, now, cancellationToken);
                }
                // Confirmed: marked and the cursor moved even if the operator interrupts now, so no window goes twice from here.
                job = await store.AdvanceReplayJobAsync(job.Id, last, dead.ConvertAll(l => l.Summary.LetterId), letters.Count - dead.Count,
                    new LetterMark(now, replayedBy), CancellationToken.None);
                await PublishEventsAsync(job.Id, dead, now);
                if (clock.Elapsed - lastProgress > TimeSpan.FromSeconds(1))
                {
                    lastProgress = clock.Elapsed;
                    await Console.Error.WriteLineAsync($"replayed {job.Replayed}/{job.Total} (job {job.Id}, {job.Skipped} skipped)");
                }
            }
            return await store.SetReplayJobStateAsync(job.Id, ReplayJobState.Completed, DateTimeOffset.UtcNow, CancellationToken.None);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // A nack, a return or a lost broker: the job stops where its last confirmed window ended, resumable.
            await store.SetReplayJobStateAsync(job.Id, ReplayJobState.Failed, DateTimeOffset.UtcNow, CancellationToken.None);
            throw;
        }
        finally
        {
            if (_events is not null)
                await _events.DisposeAsync();
        }
    }

    private async Task PublishAsync(MessageMover mover, List<StoredLetter> letters, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(context.Broker.PublishTimeoutValue);
        await Task.WhenAll(letters.Select(letter =>
        {
            var headers = LetterContent.Headers(letter);
            var state = FatePlanner.Replayed(HeaderCodec.ReadState(headers), letter.Summary.Class, replayedBy, Tool, now);
            return mover.ReplayAsync(LetterContent.Message(letter, headers), state, new ReplayStamp(now, replayedBy), timeout.Token);
        }));
    }

    /// <summary>
    /// One <c>email.replayed</c> status event per letter, after it was marked. Events are notifications: a broker that
    /// refuses them (e.g. an operator user without write on the events exchange) costs a warning, never the replay.
    /// </summary>
    private async Task PublishEventsAsync(long jobId, List<StoredLetter> letters, DateTimeOffset now)
    {
        if (_eventsRefused || letters.Count == 0)
            return;
        try
        {
            if (_events is not { IsOpen: true })
                _events = await (await context.ConnectAsync(CancellationToken.None)).CreateChannelAsync();
            var properties = new BasicProperties { ContentType = "application/json", Persistent = true };
            foreach (var letter in letters)
            {
                var command = LetterContent.Command(letter.Body);
                var body = JsonSerializer.SerializeToUtf8Bytes(new EmailReplayed
                {
                    MessageId = letter.Summary.MessageId,
                    CorrelationId = command?.CorrelationId,
                    Tags = command?.Tags ?? new Dictionary<string, string>(),
                    Attempt = 0,
                    Outcome = "replayed",
                    Class = letter.Summary.Class,
                    SmtpCode = letter.Summary.SmtpCode,
                    EnhancedCode = letter.Summary.EnhancedCode,
                    Message = $"replayed by {SafeText.Bound(replayedBy, 200)}",
                    Timestamp = now,
                    ReplayedBy = replayedBy,
                    JobId = jobId,
                }, ContractsJsonContext.Default.EmailReplayed);
                await _events.BasicPublishAsync(context.Names.Events, "email.replayed", mandatory: false, properties, body);
            }
        }
        catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.AlreadyClosedException or RabbitMQ.Client.Exceptions.OperationInterruptedException or IOException)
        {
            _eventsRefused = true;
            await Console.Error.WriteLineAsync($"emailworker: warning: email.replayed events not published ({SafeText.Bound(ex.Message, 300)}); the replay goes on");
        }
    }
}
