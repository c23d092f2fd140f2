using System.Diagnostics;

namespace EmailWorker.Publisher;

/// <summary>
/// The caller's trace as W3C <c>traceparent</c>/<c>tracestate</c> AMQP headers, so the worker continues it. RabbitMQ.Client
/// injects them only when its own publisher source is listened to (and then overwrites these with its publish span's).
/// </summary>
internal static class TraceHeaders
{
    public static Dictionary<string, object?>? Of(Activity? current)
    {
        if (current is null || current.IdFormat != ActivityIdFormat.W3C)
            return null;
        var headers = new Dictionary<string, object?>(StringComparer.Ordinal) { ["traceparent"] = current.Id };
        if (!string.IsNullOrEmpty(current.TraceStateString))
            headers["tracestate"] = current.TraceStateString;
        return headers;
    }
}
