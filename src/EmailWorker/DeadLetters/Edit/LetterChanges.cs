using EmailWorker.Contracts;

namespace EmailWorker.DeadLetters.Edit;

/// <summary>
/// What an operator changes in a dead letter's <c>SendEmail</c>: each field given is its new value in full (null: left as
/// it was). <see cref="Headers"/> is the whole new set of custom headers. Nothing else can be changed: not the message id
/// (the delivered ledger keys on it), the sender, attachments, tags or the relay.
/// </summary>
internal sealed record LetterChanges
{
    public IReadOnlyList<EmailAddress>? To { get; init; }

    public IReadOnlyList<EmailAddress>? Cc { get; init; }

    public IReadOnlyList<EmailAddress>? Bcc { get; init; }

    public string? Subject { get; init; }

    public string? Text { get; init; }

    public string? Html { get; init; }

    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>The original with these changes; an empty text or HTML body means none.</summary>
    public SendEmail ApplyTo(SendEmail original) => original with
    {
        To = To ?? original.To,
        Cc = Cc ?? original.Cc,
        Bcc = Bcc ?? original.Bcc,
        Subject = Subject ?? original.Subject,
        Text = Text is null ? original.Text : Text.Length == 0 ? null : Text,
        Html = Html is null ? original.Html : Html.Length == 0 ? null : Html,
        Headers = Headers ?? original.Headers,
    };
}
