using EmailWorker.Outcomes;

namespace EmailWorker.Routing;

/// <summary>What one attempt meant for one recipient.</summary>
internal sealed record RecipientOutcome(string Address, AttemptOutcome Outcome);
