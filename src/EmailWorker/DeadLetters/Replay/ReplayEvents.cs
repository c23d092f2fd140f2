using System.Text.Json;
using EmailWorker.Contracts;
using EmailWorker.DeadLetters.Views;
using EmailWorker.Contracts.Events;
using EmailWorker.DeadLetters.Store;
using EmailWorker.Diagnostics;
using EmailWorker.Broker;
using RabbitMQ.Client;

namespace EmailWorker.DeadLetters.Replay;

/// <summary>
/// One <c>email.replayed</c> status event per letter, after it was marked. Events are notifications: a broker that
/// refuses them (e.g. an operator user without write on the events exchange) costs a warning, never the replay.
/// </summary>
internal sealed class ReplayEvents(OperatorContext context, string replayedBy, IProgress<ReplayProgress>? progress) : IAsyncDisposable
{
    private static readonly BasicProperties Properties = new() { ContentType = "application/json", Persistent = true };
    private IChannel? _channel;
    private bool _refused;

    public async Task PublishAsync(long jobId, IReadOnlyList<StoredLetter> letters, DateTimeOffset now)
    {
        if (_refused || letters.Count == 0)
            return;
        try
        {
            if (_channel is not { IsOpen: true })
                _channel = await (await context.ConnectAsync(CancellationToken.None)).CreateChannelAsync();
            var sent = new List<Task>(letters.Count);
            foreach (var letter in letters)
            {
                var fields = LetterContent.Fields(letter.Body);
                var body = JsonSerializer.SerializeToUtf8Bytes(new EmailReplayed
                {
                    MessageId = letter.Summary.MessageId,
                    CorrelationId = fields?.CorrelationId,
                    Tags = fields?.Tags ?? new Dictionary<string, string>(),
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
                // Without confirms a publish completes once written: the window's events are written together.
                sent.Add(_channel.BasicPublishAsync(context.Names.Events, "email.replayed", mandatory: false, Properties, body).AsTask());
            }
            await Task.WhenAll(sent);
        }
        catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.AlreadyClosedException or RabbitMQ.Client.Exceptions.OperationInterruptedException or IOException)
        {
            _refused = true;
            progress?.Report(new ReplayProgress.EventsNotPublished(SafeText.Bound(ex.Message, 300)));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_channel is not null)
            await _channel.DisposeAsync();
    }
}
