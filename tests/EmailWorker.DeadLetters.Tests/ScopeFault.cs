using Microsoft.Extensions.Logging;

namespace EmailWorker.DeadLetters.Tests;

/// <summary>
/// A logging provider that fails whenever a scope names <paramref name="messageId"/>: an exception from code the message
/// handler calls and has no reason to expect to fail (it opens the message's scope before anything else), as a bug would
/// throw. Everything else it lets through and writes nowhere.
/// </summary>
internal sealed class ScopeFault(string messageId) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Failing(messageId);

    public void Dispose()
    {
    }

    private sealed class Failing(string messageId) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull =>
            state is IEnumerable<KeyValuePair<string, object?>> values && values.Any(v => v.Key == "MessageId" && Equals(v.Value, messageId))
                ? throw new InvalidOperationException($"a scope naming {messageId} cannot be opened (a fault the test injects)")
                : null;

        public bool IsEnabled(LogLevel logLevel) => false;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
        }
    }
}
