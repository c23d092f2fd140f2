using System.Diagnostics;


namespace EmailWorker.Diagnostics;

/// <summary>An outcome as an event on the message's <c>process</c> span (named <c>emailworker.delivered</c> and so on).</summary>
internal static class OutcomeEvent
{
    public static void Add(string outcome, string className, int attempt)
    {
        // Only our own process span: outside one (e.g. a replay) Activity.Current is someone else's.
        if (Activity.Current is not { IsAllDataRequested: true } span || span.Source != Telemetry.Source)
            return;
        span.AddEvent(new ActivityEvent($"emailworker.{outcome}", tags: new ActivityTagsCollection
        {
            [Telemetry.Class] = className,
            [Telemetry.Attempt] = attempt,
        }));
    }
}
