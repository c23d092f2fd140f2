using System.Globalization;
using EmailWorker.SmtpSink;

// smtpsink [--port N] [--outbox DIR]: accepts every message on 127.0.0.1 and writes each one to DIR as an .eml file.
var port = 2525;
var outbox = Path.Combine(Environment.CurrentDirectory, "outbox");
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
        default:
            await Console.Error.WriteLineAsync($"smtpsink: unknown or incomplete argument '{args[i]}'. Usage: smtpsink [--port 1-65535] [--outbox DIR]");
            return 2;
    }
}

Directory.CreateDirectory(outbox);
await using var server = new ScriptedSmtpServer(port);
var written = 0;
server.Received += message =>
{
    var number = Interlocked.Increment(ref written);
    var file = Path.Combine(outbox, $"{DateTime.UtcNow:yyyyMMddTHHmmssfff}-{number:D5}.eml");
    File.WriteAllBytes(file, message.Data);
    Console.WriteLine($"smtpsink: received mail for {string.Join(", ", message.Recipients)} -> {file}");
};
server.Start();
Console.WriteLine($"smtpsink: listening on 127.0.0.1:{server.Port}, writing messages to {outbox}");

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
return 0;
