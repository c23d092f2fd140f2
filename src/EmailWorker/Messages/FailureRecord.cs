using EmailWorker.Outcomes;

namespace EmailWorker.Messages;

/// <summary>
/// Why a message was dead-lettered: written to the dead letter's headers and logged as one event (DESIGN §4). The
/// attempts and the timeline are the dead letter's <see cref="AttemptState"/>.
/// </summary>
internal sealed record FailureRecord(
    OutcomeClass Class,
    string Reason,
    int? SmtpCode,
    string? EnhancedCode,
    DateTimeOffset FirstFailureAt,
    DateTimeOffset LastFailureAt);
