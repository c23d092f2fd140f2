using System.Collections.Concurrent;
using System.Globalization;
using EmailWorker.SmtpSink;

// smtpsink: an SMTP server on 127.0.0.1 for the quick start and the benchmarks.
//   --port N              port to listen on (default 2525)
//   --outbox DIR          write each accepted message to DIR as an .eml file (default ./outbox)
//   --discard             keep nothing (benchmarks)
//   --reply-delay-ms N    answer each command N ms after it arrived, as a relay across a network would
//   --receipts FILE       append "<unix ms> <recipient> <message-id> <flights>" for every recipient of every accepted
//                         message (benchmarks: each (message-id, recipient) counted, and flights so far — the clients'
//                         round trips, see ScriptedSmtpServer.FlightCount)
//   --no-pipelining       do not advertise PIPELINING (advertised by default, as Postfix does)
//   --no-chunking         do not advertise CHUNKING nor take BDAT (advertised by default, as Postfix does)
//   --fail-first          answer 451 to the first DATA of every recipient, 250 after that (retry benchmark)
//   --attempts            also append "<unix ms> <recipient> attempt" to the receipts for every RCPT TO accepted, so a
//                         rate can start at a message's first attempt (benchmarks)
//   --rate N              at most N transactions started (MAIL FROM accepted) per second of the clock; the rest refused
//   --max-connections N   at most N connections at once; the one beyond refused with 421 4.7.0 and closed
//   --throttle-reply NAME the rate refusal: ses (454 4.7.0, default), office365 (421 4.7.0), office365-threads (432 4.3.2),
//                         gmail (421 4.7.0 Try again later), gmail-rate (450 4.2.1)
//   --refuse-at STAGE     where a connection beyond the limit is refused: greeting (default) or ehlo
//   --rate-after N:R      once N messages are accepted, allow R transactions per second from then on (repeatable: a limit
//                         that drops and is restored during a run); with --receipts each change is logged as
//                         "<unix ms> !rate <R>", and the refusals so far, whenever they grew, as "<unix ms> !refusals <rate> <connections>"
//   On exit it prints the refusals it sent (rate, connections) and the peak of connections at once.
var port = 2525;
var outbox = Path.Combine(Environment.CurrentDirectory, "outbox");
var discard = false;
var replyDelay = TimeSpan.Zero;
string? receipts = null;
var failFirst = false;
var attempts = false;
var pipelining = true;
var chunking = true;
var rate = 0;
var maxConnections = 0;
var throttleReply = ThrottleReplies.Ses;
var refuseAt = ConnectionRefusalStage.Greeting;
var rateChanges = new List<(long Accepted, int Rate)>();
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--port" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed is > 0 and <= 65535:
            port = parsed;
            i++;
            break;
        case "--outbox" when i + 1 < args.Length:
            outbox = Path.GetFullPath(args[++i]);
            break;
        case "--discard":
            discard = true;
            break;
        case "--reply-delay-ms" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var delay):
            replyDelay = TimeSpan.FromMilliseconds(delay);
            i++;
            break;
        case "--receipts" when i + 1 < args.Length:
            receipts = Path.GetFullPath(args[++i]);
            break;
        case "--fail-first":
            failFirst = true;
            break;
        case "--attempts":
            attempts = true;
            break;
        case "--no-pipelining":
            pipelining = false;
            break;
        case "--no-chunking":
            chunking = false;
            break;
        case "--rate" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var perSecond) && perSecond > 0:
            rate = perSecond;
            i++;
            break;
        case "--max-connections" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var most) && most > 0:
            maxConnections = most;
            i++;
            break;
        case "--throttle-reply" when i + 1 < args.Length && ThrottleReplies.ByName.TryGetValue(args[i + 1], out var preset):
            throttleReply = preset;
            i++;
            break;
        case "--refuse-at" when i + 1 < args.Length && Enum.TryParse<ConnectionRefusalStage>(args[i + 1], ignoreCase: true, out var stage) && Enum.IsDefined(stage):
            refuseAt = stage;
            i++;
            break;
        case "--rate-after" when i + 1 < args.Length && args[i + 1].Split(':') is [var after, var then]
            && long.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out var accepted) && accepted > 0
            && int.TryParse(then, NumberStyles.None, CultureInfo.InvariantCulture, out var changed) && changed > 0:
            rateChanges.Add((accepted, changed));
            rateChanges.Sort((a, b) => a.Accepted.CompareTo(b.Accepted));
            i++;
            break;
        default:
            await Console.Error.WriteLineAsync($"smtpsink: unknown or incomplete argument '{args[i]}'. " +
                "Usage: smtpsink [--port 1-65535] [--outbox DIR | --discard] [--reply-delay-ms N] [--receipts FILE] [--fail-first] [--attempts] [--no-pipelining] [--no-chunking] " +
                "[--rate N] [--max-connections N] [--throttle-reply ses|office365|office365-threads|gmail|gmail-rate] [--refuse-at greeting|ehlo] [--rate-after N:R]");
            return 2;
    }
}

await using var server = new ScriptedSmtpServer(port) { KeepMessages = false, Pipelining = pipelining, Chunking = chunking };
server.Script.ReplyDelay = replyDelay;
server.Limits.MaxTransactionsPerSecond = rate;
server.Limits.MaxConnections = maxConnections;
server.Limits.ThrottleReply = throttleReply;
server.Limits.RefuseConnectionsAt = refuseAt;
if (failFirst)
{
    var seen = new ConcurrentDictionary<string, byte>(StringComparer.OrdinalIgnoreCase);
    server.Script.OnData = (_, recipients, _) => seen.TryAdd(recipients[0], 0) ? new SmtpReply(451, "4.3.0 Try again later") : null;
}
StreamWriter? receiptLog = receipts is null ? null : new StreamWriter(receipts, append: true) { AutoFlush = false };
var refusalsLogged = (Rate: 0L, Connections: 0L);
void LogRefusals()
{
    var refusals = (server.Limits.RateRefusals, server.Limits.ConnectionRefusals);
    if (receiptLog is null || refusals == refusalsLogged)
        return;
    refusalsLogged = refusals;
    receiptLog.WriteLine($"{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()} !refusals {refusals.RateRefusals} {refusals.ConnectionRefusals}");
}
using var flushTimer = new Timer(_ =>
{
    lock (server)
    {
        LogRefusals();
        receiptLog?.Flush();
    }
}, null, TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(200));
if (!discard)
    Directory.CreateDirectory(outbox);
var written = 0;
if (attempts && receiptLog is not null)
{
    server.Script.OnRcptTo = recipient =>
    {
        lock (server)
            receiptLog.WriteLine($"{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()} {recipient} attempt");
        return null;
    };
}
server.Received += message =>
{
    lock (rateChanges)
    {
        // Each change once, in order, when the count has reached it (receipts of concurrent connections may skip a number).
        while (rateChanges.Count > 0 && server.AcceptedCount >= rateChanges[0].Accepted)
        {
            server.Limits.MaxTransactionsPerSecond = rateChanges[0].Rate;
            lock (server)
                receiptLog?.WriteLine($"{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()} !rate {rateChanges[0].Rate}");
            rateChanges.RemoveAt(0);
        }
    }
    if (receiptLog is not null)
    {
        var messageId = MessageIdReader.Read(message.Data) ?? "-";
        var flights = server.FlightCount;
        lock (server)
        {
            foreach (var recipient in message.Recipients)
                receiptLog.WriteLine($"{message.ReceivedAt.ToUnixTimeMilliseconds()} {recipient} {messageId} {flights}");
        }
    }
    if (discard)
        return;
    var number = Interlocked.Increment(ref written);
    var file = Path.Combine(outbox, $"{DateTime.UtcNow:yyyyMMddTHHmmssfff}-{number:D5}.eml");
    File.WriteAllBytes(file, message.Data);
    Console.WriteLine($"smtpsink: received mail for {string.Join(", ", message.Recipients)} -> {file}");
};
server.Start();
Console.WriteLine($"smtpsink: listening on 127.0.0.1:{server.Port}" + (discard ? ", discarding messages" : $", writing messages to {outbox}")
    + (pipelining ? ", PIPELINING" : "") + (chunking ? ", CHUNKING" : "")
    + (rate > 0 ? $", at most {rate} transactions/s ({throttleReply})" : "") + (maxConnections > 0 ? $", at most {maxConnections} connections" : ""));

var stop = new TaskCompletionSource();
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.TrySetResult();
});
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.TrySetResult();
};
await stop.Task;
Console.WriteLine($"smtpsink: accepted {server.AcceptedCount} messages; refused {server.Limits.RateRefusals} transactions over the rate and "
    + $"{server.Limits.ConnectionRefusals} connections over the limit; at most {server.Limits.PeakConnections} connections at once");
lock (server)
{
    LogRefusals();
    receiptLog?.Dispose();
}
return 0;
