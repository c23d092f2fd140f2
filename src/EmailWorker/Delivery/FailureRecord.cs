using EmailWorker.Outcomes;

namespace EmailWorker.Delivery;

/// <summary>Why a message was dead-lettered; written to the dead letter's headers and logged as one event (DESIGN §4).</summary>
internal sealed record FailureRecord(
    OutcomeClass Class,
    string Reason,
    int? SmtpCode,
    string? EnhancedCode,
    int Attempts,
    DateTimeOffset FirstFailureAt,
    DateTimeOffset LastFailureAt,
    List<HistoryEntry> History);
