using System.Diagnostics;
using System.Diagnostics.Metrics;
using EmailWorker.Configuration;

namespace EmailWorker.Diagnostics;

/// <summary>
/// The instruments the worker records into as it works (gauges are in <c>Worker/WorkerGauges</c>). Every attribute value is
/// one of a few constants — never a recipient, subject or message id — and each call passes its tags on the stack.
/// </summary>
internal sealed class WorkerMetrics
{
    private static readonly double[] SecondsShort = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

    // From sub-second first attempts to the retry schedule's 8 hours.
    private static readonly double[] SecondsLong = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, 28800, 57600];
    private static readonly int[] AttemptBuckets = [1, 2, 3, 4, 5, 6, 7, 8, 10, 15, 20];

    private readonly Counter<long> _messages;
    private readonly Counter<long> _consumed;
    private readonly Histogram<double> _processDuration;
    private readonly Histogram<double> _smtpAttemptDuration;
    private readonly Histogram<double> _deliveryLatency;
    private readonly Histogram<int> _deliveryAttempts;
    private readonly Counter<long> _ledgerRecipients;
    private readonly Counter<long> _ledgerFailures;
    private readonly Histogram<double> _ledgerCommitDuration;
    private readonly Histogram<int> _ledgerCommitWrites;
    private readonly Counter<long> _throttled;
    private readonly Counter<long> _suppressionAdded;
    private readonly Counter<long> _suppressionFailures;
    private readonly Counter<long> _suppressionMatched;
    private readonly Histogram<double> _suppressionLookupDuration;
    private readonly KeyValuePair<string, object?> _system = new(Telemetry.MessagingSystem, "rabbitmq");
    // Per lane: the work queue the delivery came from (High, Normal, Bulk order).
    private readonly KeyValuePair<string, object?>[] _destinations;

    public WorkerMetrics(IMeterFactory meters, TopologyNames names)
    {
        var meter = meters.Create(Telemetry.Name);
        _destinations = [.. Lanes.All.Select(lane => new KeyValuePair<string, object?>(Telemetry.DestinationName, names.WorkFor(lane)))];
        _messages = meter.CreateCounter<long>("emailworker.messages", "{message}",
            "Messages (or the part of one for some of its recipients) by what became of them, counted once the outcome is durable");
        _consumed = meter.CreateCounter<long>("messaging.client.consumed.messages", "{message}", "Deliveries taken from the work queue");
        _processDuration = meter.CreateHistogram("messaging.process.duration", "s",
            "Handling one delivery: read, SMTP attempt, moves confirmed", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsShort });
        _smtpAttemptDuration = meter.CreateHistogram("emailworker.smtp.attempt.duration", "s",
            "One SMTP transaction on a pooled connection (connecting when needed), by the first digit of the relay's last reply",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsShort });
        _deliveryLatency = meter.CreateHistogram("emailworker.delivery.latency", "s",
            "From the message's AMQP timestamp (else its first attempt) to the relay's 250",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsLong });
        _throttled = meter.CreateCounter<long>("emailworker.relay.throttled", "{reply}",
            "Throttling replies from the relay (too fast, too many connections), by reply code and enhanced code and the stage it answered");
        _deliveryAttempts = meter.CreateHistogram("emailworker.delivery.attempts", "{attempt}", "Attempts a delivered message needed",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = AttemptBuckets });
        _ledgerRecipients = meter.CreateCounter<long>("emailworker.ledger.recipients", "{recipient}",
            "Recipients the delivered ledger took out of an attempt or found in doubt, by what it found");
        _ledgerFailures = meter.CreateCounter<long>("emailworker.ledger.failures", "{operation}",
            "Ledger operations that failed (the message went on as without the ledger), by operation: look, claim or record");
        _suppressionAdded = meter.CreateCounter<long>("emailworker.suppression.added", "{entry}",
            "Entries the worker added to the suppression list, by reason: hard_bounce or soft_bounce");
        _suppressionMatched = meter.CreateCounter<long>("emailworker.suppression.matched", "{recipient}",
            "Recipients not sent to because the suppression list holds them, by the kind of scope that matched: global or stream");
        _suppressionFailures = meter.CreateCounter<long>("emailworker.suppression.failures", "{operation}",
            "Suppression list operations that failed (delivery went on without the check), by operation: look, add or count");
        // From 0.1 ms: a look-up is one indexed query, well under a millisecond when the database is near.
        _suppressionLookupDuration = meter.CreateHistogram("emailworker.suppression.lookup.duration", "s",
            "One look-up of a message's recipients on the suppression list", advice: new InstrumentAdvice<double>
            {
                HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2],
            });
        _ledgerCommitDuration = meter.CreateHistogram("emailworker.ledger.commit.duration", "s",
            "One group commit of the delivered ledger (many handlers' claims and records in one transaction)",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsShort });
        _ledgerCommitWrites = meter.CreateHistogram("emailworker.ledger.commit.writes", "{write}", "Handlers' writes in one group commit",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256] });
    }

    /// <summary><paramref name="count"/> recipients the ledger found as <paramref name="outcome"/> (an <c>OutcomeNames</c> constant).</summary>
    public void LedgerRecipients(string outcome, int count) =>
        _ledgerRecipients.Add(count, new KeyValuePair<string, object?>(Telemetry.LedgerOutcome, outcome));

    /// <summary>A ledger operation failed; <paramref name="operation"/> is <c>look</c>, <c>claim</c> or <c>record</c>.</summary>
    public void LedgerFailed(string operation) => _ledgerFailures.Add(1, new KeyValuePair<string, object?>(Telemetry.LedgerOperation, operation));

    /// <summary><paramref name="count"/> entries of <paramref name="reason"/> (hard_bounce or soft_bounce) the worker added to the suppression list.</summary>
    public void SuppressionAdded(int count, string reason) =>
        _suppressionAdded.Add(count, new KeyValuePair<string, object?>(Telemetry.SuppressionReason, reason));

    /// <summary>
    /// A recipient suppressed by an entry of <paramref name="scopeKind"/>: <c>global</c> or <c>stream</c>, not the stream's
    /// name, so producers' names cannot multiply the series.
    /// </summary>
    public void SuppressionMatched(string scopeKind) =>
        _suppressionMatched.Add(1, new KeyValuePair<string, object?>(Telemetry.SuppressionScope, scopeKind));

    /// <summary>A suppression list operation failed; <paramref name="operation"/> is <c>look</c>, <c>add</c> or <c>count</c>.</summary>
    public void SuppressionFailed(string operation) =>
        _suppressionFailures.Add(1, new KeyValuePair<string, object?>(Telemetry.SuppressionOperation, operation));

    /// <summary>A look-up of the suppression list since <paramref name="startedAt"/> (a <see cref="Stopwatch"/> timestamp) answered.</summary>
    public void SuppressionLookedUp(long startedAt) => _suppressionLookupDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds);

    public void LedgerCommitted(long startedAt, int writes)
    {
        _ledgerCommitDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds);
        _ledgerCommitWrites.Record(writes);
    }

    /// <summary>One reported outcome: <paramref name="outcome"/> and <paramref name="outcomeClass"/> are constants.</summary>
    public void Outcome(string outcome, string outcomeClass) =>
        _messages.Add(1, new KeyValuePair<string, object?>(Telemetry.Outcome, outcome), new KeyValuePair<string, object?>(Telemetry.Class, outcomeClass));

    public void Consumed(Lane lane) => _consumed.Add(1, _system, _destinations[(int)lane]);

    /// <summary>A delivery handled since <paramref name="startedAt"/> (a <see cref="Stopwatch"/> timestamp); <paramref name="errorType"/> when it failed.</summary>
    public void Processed(long startedAt, string? errorType, Lane lane)
    {
        var seconds = Stopwatch.GetElapsedTime(startedAt).TotalSeconds;
        if (errorType is null)
            _processDuration.Record(seconds, _system, _destinations[(int)lane]);
        else
            _processDuration.Record(seconds, _system, _destinations[(int)lane], new KeyValuePair<string, object?>(Telemetry.ErrorType, errorType));
    }

    /// <summary>One SMTP transaction at <paramref name="relay"/> (a configured name) since <paramref name="startedAt"/>, by its reply's class.</summary>
    public void SmtpAttempt(string relay, long startedAt, string replyClass) =>
        _smtpAttemptDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds, new KeyValuePair<string, object?>(Telemetry.ReplyClass, replyClass),
            new KeyValuePair<string, object?>(Telemetry.Relay, relay));

    /// <summary>One throttling reply: <paramref name="reply"/> is its code and enhanced code (a few values), <paramref name="stage"/> and <paramref name="relay"/> constants.</summary>
    public void Throttled(string relay, string reply, string stage) =>
        _throttled.Add(1, new KeyValuePair<string, object?>(Telemetry.Reply, reply), new KeyValuePair<string, object?>(Telemetry.Stage, stage),
            new KeyValuePair<string, object?>(Telemetry.Relay, relay));

    public void Delivered(TimeSpan latency, int attempts)
    {
        // A clock skewed against the producer's must not produce a negative latency.
        _deliveryLatency.Record(Math.Max(0, latency.TotalSeconds));
        _deliveryAttempts.Record(attempts);
    }
}
