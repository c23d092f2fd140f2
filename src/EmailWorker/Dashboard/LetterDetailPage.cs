using System.Text;
using EmailWorker.DeadLetters.Views;
using EmailWorker.DeadLetters.Store;
using EmailWorker.Messages;
using Microsoft.AspNetCore.Http;

namespace EmailWorker.Dashboard;

/// <summary>
/// One letter's page (<c>/letters/{id}</c>): the failure record, every attempt, every header, and the body shown safely — the text escaped, the HTML
/// only inside a sandboxed frame (no scripts, no forms, its own origin) served with a CSP that forbids scripts. With
/// <c>?view=raw</c> the letter as it came instead (<see cref="LetterRawView"/>).
/// </summary>
internal static class LetterDetailPage
{
    /// <summary>Bodies that are not a <c>SendEmail</c> are shown as text up to this many bytes.</summary>
    private const int RawBodyShown = 64 * 1024;

    /// <summary>
    /// The most of a body a page reads: a body up to this size is read whole and shown as its <c>SendEmail</c>; a bigger
    /// one (a <c>too_large</c> letter can be 128 MiB) only as its first <see cref="RawBodyShown"/> bytes of text, so a
    /// page view never holds more than this. 4 MiB: a mail with a few ordinary attachments still shows its fields and HTML.
    /// </summary>
    internal const int BodyRead = 4 * 1024 * 1024;

    public static async Task<IResult> RenderAsync(HttpContext http, IDeadLetterStore store, string letterId)
    {
        var raw = http.Request.Query["view"] == "raw";
        if (!LetterSelection.IsLetterId(letterId)
            || await store.PreviewAsync(letterId, raw ? LetterRawView.ShownBytes : BodyRead, http.RequestAborted) is not { } letter)
            return Page.Render(http, "No such letter", Page.Notice("There is no letter with this id in the store.", "error"), status: StatusCodes.Status404NotFound);
        if (raw)
            return Page.Render(http, $"Letter {letter.MessageId} as it came", LetterRawView.Render(letter));
        var content = letter.LoadedContent;
        var detail = DeadLetterDetail.From(letter, await LedgerRow.ReadAsync(store, letter.MessageId, http.RequestAborted));
        var record = detail.Record;
        var command = content.IsWholeBody ? ContentReader.Command(content.Body) : null;
        var actions = Page.IsOperator(http) && letter.State == LetterState.Dead
            ? ActionButtons.For(http, Html.Of($"<input type=\"hidden\" name=\"id\" value=\"{record.LetterId}\">"), "this letter")
            : Html.Empty;
        var editLink = Html.When(Page.IsOperator(http) && letter.State == LetterState.Dead && command is not null,
            Html.Of($"<p><a class=\"action\" href=\"/letters/{record.LetterId}/edit\">Edit &amp; retry…</a></p>"));
        var edit = await store.GetEditAsync(record.LetterId, http.RequestAborted);
        return Page.Render(http, $"Letter {record.MessageId}", Html.Of($"""
            {actions}{editLink}
            {LetterEditRecord.Render(edit, record.LetterId)}
            <p><a href="/letters/{record.LetterId}?view=raw">Raw: the properties, headers and body as they came</a></p>
            <h2>Failure record</h2><dl>
            <dt>Letter id</dt><dd>{record.LetterId}</dd><dt>Message id</dt><dd>{record.MessageId}</dd>
            <dt>State</dt><dd>{record.State}{Mark("replayed", record.Replayed)}{Mark("purged", record.Purged)}{Mark("edited", letter.Edited)}</dd>
            <dt>Class</dt><dd>{record.Class}</dd><dt>Reason</dt><dd>{record.Reason}</dd>
            <dt>SMTP reply</dt><dd>{record.SmtpCode} {record.EnhancedCode}</dd><dt>Attempts</dt><dd>{record.Attempts}</dd>
            <dt>First failure</dt><dd>{Time(record.FirstFailureAt)}</dd><dt>Last failure</dt><dd>{Time(record.LastFailureAt)}</dd>
            <dt>Group</dt><dd><a href="/letters?group={Uri.EscapeDataString(record.Group)}">{record.Group}</a></dd>
            <dt>Replays</dt><dd>{record.ReplayCount}</dd><dt>Recipients</dt><dd>{string.Join(", ", record.Recipients)}</dd></dl>
            <h2>Attempts</h2><table><tr><th>Attempt</th><th>At</th><th>Outcome</th><th>Class</th><th>SMTP</th><th>Worker</th><th>Message</th></tr>
            {Html.Join(detail.History.Select(Attempt))}</table>
            {Ledger(detail.Ledger)}
            <h2>Body</h2>{Body(record.LetterId, content.Body, content.BodyLength, command)}
            <h2>Headers</h2><table><tr><th>Name</th><th>Value</th></tr>
            {Html.Join(detail.Headers.Where(h => h.Key != HeaderNames.History).OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => Html.Of($"<tr><td>{h.Key}</td><td>{h.Value}</td></tr>")))}</table>
            """));
    }

    /// <summary>The HTML body alone, for the sandboxed frame of the letter page (its headers are set by <see cref="SecurityHeaders"/>).</summary>
    public static async Task<IResult> BodyAsync(HttpContext http, IDeadLetterStore store, string letterId)
    {
        if (!LetterSelection.IsLetterId(letterId) || await store.PreviewAsync(letterId, BodyRead, http.RequestAborted) is not { Content.IsWholeBody: true } letter
            || ContentReader.Command(letter.LoadedContent.Body)?.Html is not { } html)
            return Results.NotFound();
        SecurityHeaders.ForLetterBody(http.Response);
        return Results.Content(html, "text/html; charset=utf-8");
    }

    /// <summary>Who of the message's recipients has the mail already, and who is in doubt (the delivered ledger).</summary>
    private static Html Ledger(IReadOnlyList<LedgerRow> rows) => Html.When(rows.Count > 0, Html.Of($"""
        <h2>Delivered ledger</h2><table><tr><th>Recipient</th><th>State</th><th>Since</th><th>Reply</th></tr>
        {Html.Join(rows.Select(r => Html.Of($"<tr><td>{r.Recipient}</td><td>{(r.State == LedgerRow.Delivered ? "delivered" : "in doubt")}</td><td>{Time(r.Since)}</td><td>{r.Reply}</td></tr>")))}</table>
        """));

    private static Html Body(string letterId, byte[] body, long bodyLength, Contracts.SendEmail? command)
    {
        if (command is null)
        {
            var shown = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, RawBodyShown));
            var what = body.Length == bodyLength ? "Not a SendEmail" : $"Too big to show in full (over {BodyRead / 1024 / 1024} MiB)";
            return Html.Of($"<p>{what} ({bodyLength} bytes); the first {Math.Min(bodyLength, RawBodyShown)} bytes as text:</p><pre>{shown}</pre>");
        }
        return Html.Of($"""
            <dl><dt>From</dt><dd>{command.From?.Address}</dd><dt>To</dt><dd>{string.Join(", ", command.To.Select(a => a.Address))}</dd>
            <dt>Cc</dt><dd>{string.Join(", ", command.Cc.Select(a => a.Address))}</dd><dt>Bcc</dt><dd>{command.Bcc.Count} hidden</dd>
            <dt>Subject</dt><dd>{command.Subject}</dd>
            <dt>Attachments</dt><dd>{string.Join(", ", command.Attachments.Select(a => $"{a.FileName} ({a.ContentType})"))}</dd>
            <dt>Tags</dt><dd>{string.Join(", ", command.Tags.Select(t => $"{t.Key}={t.Value}"))}</dd></dl>
            {Html.When(command.Text is not null, Html.Of($"<h3>Text</h3><pre>{command.Text}</pre>"))}
            {Html.When(command.Html is not null, Html.Of($"<h3>HTML (sandboxed: no scripts run)</h3><iframe class=\"body\" sandbox src=\"/letters/{letterId}/body\" title=\"HTML body\"></iframe>"))}
            """);
    }

    private static Html Attempt(HistoryEntry entry) => Html.Of($"""
        <tr><td class="num">{entry.Attempt}</td><td>{Page.Time(entry.At)}</td><td>{entry.Outcome}</td><td>{entry.Class}</td>
        <td>{entry.SmtpCode} {entry.EnhancedCode}</td><td>{entry.Worker}</td><td>{entry.Message}</td></tr>
        """);

    private static string Time(DateTimeOffset? at) => at is { } value ? Page.Time(value) : "-";

    private static string Mark(string what, LetterMark? mark) => mark is null ? "" : $" ({what} {Page.Time(mark.At)} by {mark.By})";
}
