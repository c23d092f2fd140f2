using System.Diagnostics.Metrics;
using EmailWorker.Configuration;
using EmailWorker.Diagnostics;
using EmailWorker.Delivery.Relays;

namespace EmailWorker.Worker;

/// <summary>
/// The worker's state as gauges, read only when a reader collects (a scrape, an OTLP export), so they cost nothing per
/// message: relay breaker open, SMTP connections in use, messages in flight, and the dead-letter store's size when a store
/// is registered (<see cref="IDeadLetterCount"/>), each relay's current limits (adaptive delivery), and the deliveries
/// each lane holds waiting for a handling slot when the worker consumes; the relay gauges carry the relay's name as
/// <c>emailworker.relay</c>, the lane's its work queue as <c>messaging.destination.name</c>.
/// </summary>
internal sealed class WorkerGauges
{
    public WorkerGauges(IMeterFactory meters, RelayRegistry relays, InFlightCounter inFlight, TopologyNames names,
        IDeadLetterCount? deadLetters = null, WorkQueueConsumer? consumer = null)
    {
        var meter = meters.Create(Telemetry.Name);
        meter.CreateObservableGauge("emailworker.relay.connections.limit",
            () => relays.All.Select(relay => new Measurement<int>(relay.Gate.ConnectionLimit, Tag(relay))), "{connection}",
            "SMTP connections the relay may have open now (adaptive delivery; its pool size is the ceiling)");
        meter.CreateObservableGauge("emailworker.relay.rate.limit",
            () => relays.All.Where(relay => relay.Gate.RateLimit is not null).Select(relay => new Measurement<double>(relay.Gate.RateLimit!.Value, Tag(relay))),
            "{transaction}/s", "Transactions that may start per second at the relay now; absent while there is no limit");
        meter.CreateObservableGauge("emailworker.breaker.open", () => relays.AllDown ? 1 : 0, "1",
            "1 while the relay circuit breaker holds consumption paused (every relay's breaker is open), else 0");
        meter.CreateObservableGauge("emailworker.relay.breaker.open", () => relays.All.Select(relay => new Measurement<int>(relay.Breaker.IsOpen ? 1 : 0, Tag(relay))), "1",
            "1 while this relay's circuit breaker is open (its messages go to the other relays their route allows), else 0");
        meter.CreateObservableGauge("emailworker.smtp.connections.in_use", () => relays.All.Select(relay => new Measurement<int>(relay.Pool.InUse, Tag(relay))),
            "{connection}", "Pooled SMTP connections held by an attempt or a probe");
        meter.CreateObservableGauge("emailworker.messages.in_flight", () => inFlight.Count, "{message}",
            "Deliveries taken from the work queue and not yet acked or requeued");
        if (consumer is not null)
        {
            meter.CreateObservableGauge("emailworker.messages.waiting",
                () => Lanes.All.Select(lane => new Measurement<int>(consumer.Waiting(lane), new KeyValuePair<string, object?>(Telemetry.DestinationName, names.WorkFor(lane)))),
                "{message}", "Deliveries this worker holds per lane, waiting for a handling slot (high ones are handed out first)");
        }
        if (deadLetters is not null)
        {
            meter.CreateObservableGauge("emailworker.dead_letters", () => deadLetters.Current is { } count ? [new Measurement<long>(count)] : Array.Empty<Measurement<long>>(),
                "{message}", "Letters in the dead-letter store");
        }
    }

    private static KeyValuePair<string, object?> Tag(Relay relay) => new(Telemetry.Relay, relay.Name);
}
