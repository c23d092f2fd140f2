namespace EmailWorker.DeadLetters.Store;

/// <summary>An edit the store committed: its record, and the replay job (of the edited copy alone) that sends it.</summary>
internal sealed record QueuedEdit(LetterEdit Edit, ReplayJob Job);
