using System.Diagnostics;
using EmailWorker.Diagnostics;

namespace EmailWorker.Delivery;

/// <summary>The span of one SMTP attempt (<c>smtp send</c>, kind Client), a child of the message's <c>process</c> span.</summary>
internal static class SmtpAttemptSpan
{
    public static Activity? Start(string host, int port)
    {
        var span = Telemetry.Source.StartActivity("smtp send", ActivityKind.Client);
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag("server.address", host);
            span.SetTag("server.port", port);
        }
        return span;
    }

    /// <summary>Notes a failed attempt; always false, so that it can sit in an exception filter without catching anything.</summary>
    public static bool Failed(Activity? span, Exception failure, out string replyClass)
    {
        replyClass = ReplyClass.Of(failure);
        // The exception's type only: its message may quote a recipient the relay refused.
        span?.SetStatus(ActivityStatusCode.Error);
        span?.SetTag(Telemetry.ErrorType, failure.GetType().Name);
        return false;
    }

    public static void Ended(Activity? span, string replyClass) => span?.SetTag(Telemetry.ReplyClass, replyClass);
}
