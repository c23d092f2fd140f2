namespace EmailWorker.DeadLetters.Store;

/// <summary>A letter's group: a short stable key and the masked reply that names the group (see <see cref="Fingerprint"/>).</summary>
internal sealed record LetterGroupKey(string Key, string Label);
