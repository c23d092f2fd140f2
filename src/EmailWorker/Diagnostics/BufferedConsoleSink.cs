using System.Text;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace EmailWorker.Diagnostics;

/// <summary>
/// The worker's console output: events are formatted into a buffer over standard output that is written out every
/// <see cref="FlushInterval"/>, at once for a warning or worse, and when the logger is disposed (on every way out of
/// <c>run</c>) — instead of one write system call per event, as Serilog's console sink makes. The shipped level logs
/// every delivery, and that write was ~3 % of the worker's CPU under load (2 cores, perf). At most the last
/// <see cref="FlushInterval"/> of Information lines can be lost, and only when the process is killed outright; warnings,
/// errors and the fatal line before an exit are never held back.
/// </summary>
internal sealed class BufferedConsoleSink : ILogEventSink, IDisposable
{
    private static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(100);
    private readonly ITextFormatter _formatter;
    private readonly StreamWriter _output = new(Console.OpenStandardOutput(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 64 * 1024) { AutoFlush = false };
    private readonly Timer _flush;
    private bool _disposed;

    public BufferedConsoleSink(ITextFormatter formatter)
    {
        _formatter = formatter;
        _flush = new Timer(_ => Flush(), null, FlushInterval, FlushInterval);
    }

    public void Emit(LogEvent logEvent)
    {
        lock (_output)
        {
            if (_disposed)
                return;
            _formatter.Format(logEvent, _output);
            if (logEvent.Level >= LogEventLevel.Warning)
                _output.Flush();
        }
    }

    private void Flush()
    {
        lock (_output)
        {
            if (!_disposed)
                _output.Flush();
        }
    }

    public void Dispose()
    {
        _flush.Dispose();
        lock (_output)
        {
            if (_disposed)
                return;
            _disposed = true;
            _output.Dispose(); // flushes what is left
        }
    }
}
