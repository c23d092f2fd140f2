using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace EmailWorker.DeadLetters.Tests;

/// <summary>Keeps the event ids and messages an in-process host logs, so a test can wait for an event.</summary>
internal sealed class LogCollector : ILoggerProvider
{
    private readonly ConcurrentQueue<(int EventId, string Message)> _events = new();

    public bool Logged(int eventId) => _events.Any(e => e.EventId == eventId);

    public string Text => string.Join(Environment.NewLine, _events.Select(e => $"{e.EventId} {e.Message}"));

    public ILogger CreateLogger(string categoryName) => new Collector(_events);

    public void Dispose()
    {
    }

    private sealed class Collector(ConcurrentQueue<(int, string)> events) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
                events.Enqueue((eventId.Id, formatter(state, exception)));
        }
    }
}
