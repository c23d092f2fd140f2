namespace EmailWorker.DeadLetters.Views;

/// <summary>
/// The few fields of a <c>SendEmail</c> body that listing, the tag filter and the <c>email.replayed</c> events need; reading
/// only these skips the rest of the body (the text, the HTML, attachments) without building it, once per letter of a
/// million-letter list or replay.
/// </summary>
internal sealed record BodyFields(string? Subject, string? CorrelationId, IReadOnlyDictionary<string, string>? Tags);
