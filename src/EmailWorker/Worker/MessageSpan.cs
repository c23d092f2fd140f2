using System.Diagnostics;
using System.Text;
using EmailWorker.Configuration;
using EmailWorker.Diagnostics;
using EmailWorker.Messages;

namespace EmailWorker.Worker;

/// <summary>
/// Starts the span of one delivery handled (<c>process email.send</c>, <c>process email.send.high</c>, ..., kind Consumer), continuing the producer's trace from
/// the W3C <c>traceparent</c>/<c>tracestate</c> headers of the message. When RabbitMQ.Client's own <c>deliver</c> span is current
/// (its activity sources are listened to) and belongs to that trace, the span nests under it.
/// </summary>
internal sealed class MessageSpan(TopologyNames names)
{
    /// <summary>The <c>error.type</c> of a delivery given back to the broker without a recorded outcome.</summary>
    public const string Requeued = "requeued";

    // Per lane (High, Normal, Bulk order): the span is named after the work queue the delivery came from.
    private readonly string[] _names = [.. Lanes.All.Select(lane => $"process {names.WorkFor(lane)}")];

    public Activity? Start(IncomingMessage message)
    {
        // Nothing is parsed or allocated unless a listener (an exporter, a test) samples our source.
        if (!Telemetry.Source.HasListeners())
            return null;
        var remote = Extract(message.Headers);
        var current = Activity.Current;
        var parent = current is not null && (remote == default || current.TraceId == remote.TraceId) ? current.Context : remote;
        var span = Telemetry.Source.StartActivity(_names[(int)message.Lane], ActivityKind.Consumer, parent);
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag(Telemetry.MessagingSystem, "rabbitmq");
            span.SetTag(Telemetry.DestinationName, names.WorkFor(message.Lane));
            span.SetTag(Telemetry.OperationType, "process");
        }
        return span;
    }

    /// <summary>Ends the span: an error when the handling failed or gave the delivery back (<paramref name="errorType"/>).</summary>
    public static void End(Activity? span, string? errorType)
    {
        if (span is null || errorType is null)
            return;
        span.SetStatus(ActivityStatusCode.Error);
        span.SetTag(Telemetry.ErrorType, errorType);
    }

    private static ActivityContext Extract(IDictionary<string, object?>? headers)
    {
        if (headers is null)
            return default;
        DistributedContextPropagator.Current.ExtractTraceIdAndState(headers, ReadHeader, out var traceParent, out var traceState);
        return ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var context) ? context : default;
    }

    private static void ReadHeader(object? carrier, string name, out string? value, out IEnumerable<string>? values)
    {
        values = null;
        // AMQP long strings arrive as bytes; a header longer than W3C allows is ignored rather than read.
        value = ((IDictionary<string, object?>)carrier!).TryGetValue(name, out var raw) ? raw switch
        {
            byte[] { Length: <= 512 } bytes => Encoding.UTF8.GetString(bytes),
            string { Length: <= 512 } text => text,
            _ => null,
        } : null;
    }
}
