namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// One operator action, kept in the store next to the letters it acted on: who (and in which role), when, what
/// (<see cref="Action"/>: replay, purge, …), on which selection, how many letters, and the job it started if any.
/// <see cref="Id"/> is the store's order (0 before it is stored).
/// </summary>
internal sealed record AuditEntry(long Id, DateTimeOffset At, string Actor, string Role, string Action, string Selection, long Count, long? JobId);
