using EmailWorker.Configuration;
using Serilog;
using Serilog.Formatting.Compact;
using Serilog.Formatting.Display;

namespace EmailWorker.Diagnostics;

/// <summary>
/// The console sink of the worker and the operator commands, in the format <c>Observability:LogFormat</c> chooses: a
/// line of text per event, or Serilog's compact JSON (one object per line, with <c>@tr</c>/<c>@sp</c> trace and span ids
/// and the message scope's properties) for a log collector. Further sinks still come from <c>Serilog:WriteTo</c>.
/// </summary>
internal static class ConsoleSink
{
    private const string TextTemplate = "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}";

    public static LoggerConfiguration WriteToConsole(this LoggerConfiguration logger, ObservabilityOptions options) =>
        options.JsonLogs ? logger.WriteTo.Console(new CompactJsonFormatter()) : logger.WriteTo.Console(outputTemplate: TextTemplate, formatProvider: System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The same output for the long-running worker, written in batches (<see cref="BufferedConsoleSink"/>): it logs every
    /// delivery. The operator commands keep the plain sink: they log a few lines and exit.
    /// </summary>
    public static LoggerConfiguration WriteToBufferedConsole(this LoggerConfiguration logger, ObservabilityOptions options) =>
        logger.WriteTo.Sink(new BufferedConsoleSink(options.JsonLogs
            ? new CompactJsonFormatter()
            : new MessageTemplateTextFormatter(TextTemplate, System.Globalization.CultureInfo.InvariantCulture)));
}
