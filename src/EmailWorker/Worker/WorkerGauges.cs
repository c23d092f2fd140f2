using System.Diagnostics.Metrics;
using EmailWorker.Diagnostics;
using EmailWorker.Delivery;

namespace EmailWorker.Worker;

/// <summary>
/// The worker's state as gauges, read only when a reader collects (a scrape, an OTLP export), so they cost nothing per
/// message: relay breaker open, SMTP connections in use, messages in flight, and the dead-letter store's size when a store
/// is registered (<see cref="IDeadLetterCount"/>), and the relay's current limits (adaptive delivery).
/// </summary>
internal sealed class WorkerGauges
{
    public WorkerGauges(IMeterFactory meters, RelayCircuitBreaker breaker, SmtpConnectionPool pool, InFlightCounter inFlight, RelayGate relay,
        IDeadLetterCount? deadLetters = null)
    {
        var meter = meters.Create(Telemetry.Name);
        var relayTag = new KeyValuePair<string, object?>(Telemetry.Relay, relay.Relay);
        meter.CreateObservableGauge("emailworker.relay.connections.limit", () => new Measurement<int>(relay.ConnectionLimit, relayTag), "{connection}",
            "SMTP connections the relay may have open now (adaptive delivery; Smtp:PoolSize is the ceiling)");
        meter.CreateObservableGauge("emailworker.relay.rate.limit",
            () => relay.RateLimit is { } rate ? [new Measurement<double>(rate, relayTag)] : Array.Empty<Measurement<double>>(), "{transaction}/s",
            "Transactions that may start per second at the relay now; absent while there is no limit");
        meter.CreateObservableGauge("emailworker.breaker.open", () => breaker.IsOpen ? 1 : 0, "1",
            "1 while the relay circuit breaker holds consumption paused, else 0");
        meter.CreateObservableGauge("emailworker.smtp.connections.in_use", () => pool.InUse, "{connection}",
            "Pooled SMTP connections held by an attempt or a probe");
        meter.CreateObservableGauge("emailworker.messages.in_flight", () => inFlight.Count, "{message}",
            "Deliveries taken from the work queue and not yet acked or requeued");
        if (deadLetters is not null)
        {
            meter.CreateObservableGauge("emailworker.dead_letters", () => deadLetters.Current is { } count ? [new Measurement<long>(count)] : Array.Empty<Measurement<long>>(),
                "{message}", "Letters in the dead-letter store");
        }
    }
}
