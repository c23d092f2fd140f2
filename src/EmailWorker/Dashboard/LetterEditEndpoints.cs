using EmailWorker.Broker;
using EmailWorker.Contracts;
using EmailWorker.DeadLetters.Edit;
using EmailWorker.DeadLetters.Store;
using EmailWorker.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace EmailWorker.Dashboard;

/// <summary>
/// Edit &amp; retry, for operators only: <c>/letters/{id}/edit</c> shows the form, its post to <c>…/edit/preview</c> the
/// difference and what the validator refuses (nothing changes), and the send button posts the same fields to
/// <c>…/edit</c>, which checks them again, has the store mark the letter edited and queue its edited copy in one
/// transaction (audited there, with both versions), and sends the copy through <see cref="ReplayJobLauncher"/>.
/// </summary>
internal static class LetterEditEndpoints
{
    /// <summary>The pace of an edit's job of one letter: any rate sends it at once.</summary>
    private const double Rate = 1;

    public static void Map(IEndpointRouteBuilder app)
    {
        var edit = app.MapGroup("/letters/{letterId}/edit").RequireAuthorization(DashboardRoles.Operator);
        edit.MapGet("", FormAsync);
        edit.MapPost("/preview", PreviewAsync).AddEndpointFilter(Antiforgery.Filter);
        edit.MapPost("", SendAsync).AddEndpointFilter(Antiforgery.Filter);
    }

    private static async Task<IResult> FormAsync(HttpContext http, IDeadLetterStore store, OperatorContext context, string letterId)
    {
        var (letter, original, refused) = await LoadAsync(http, store, context, letterId);
        if (refused is not null)
            return refused;
        return Page.Render(http, $"Edit letter {letter!.MessageId}", Html.Of($"""
            <p>The edited message is sent in place of this dead letter, with the same message id: recipients who have the mail already
            (the delivered ledger) are not sent it again. The letter is marked edited; both versions are kept in the audit.</p>
            {LetterEditForm.Render(http, letterId, original!, null, canSend: false)}
            """));
    }

    private static async Task<IResult> PreviewAsync(HttpContext http, IDeadLetterStore store, OperatorContext context, string letterId)
    {
        var (letter, original, refused) = await LoadAsync(http, store, context, letterId);
        if (refused is not null)
            return refused;
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var prepared = Prepare(form, letter!, original!, context);
        return Page.Render(http, $"Preview: edit of letter {letter!.MessageId}", Html.Of($"""
            <p class="dryrun">The difference ({prepared.Diff.Count} line(s)). Nothing has changed yet.</p>
            {EditDiffView.Render(prepared.Diff)}
            {Problems(prepared)}
            {LetterEditForm.Render(http, letterId, original!, form, canSend: prepared.IsValid)}
            """), status: prepared.IsValid ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest);
    }

    private static async Task<IResult> SendAsync(HttpContext http, IDeadLetterStore store, OperatorContext context, ReplayJobLauncher launcher,
        ILoggerFactory logs, string letterId)
    {
        var (letter, original, refused) = await LoadAsync(http, store, context, letterId);
        if (refused is not null)
            return refused;
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var prepared = Prepare(form, letter!, original!, context);
        if (!prepared.IsValid)
            return Page.Render(http, "Cannot send this edit", Html.Of($"{Problems(prepared)}{LetterEditForm.Render(http, letterId, original!, form, canSend: false)}"),
                status: StatusCodes.Status400BadRequest);
        var by = http.User.Identity!.Name!;
        var role = Page.Role(http);
        QueuedEdit queued;
        try
        {
            queued = await store.EditAsync(letterId, prepared.Letter!, new LetterMark(DateTimeOffset.UtcNow, by), role, CancellationToken.None);
        }
        catch (LetterNotEditableException notEditable)
        {
            return Conflict(http, Html.Of($"Nothing was changed: {notEditable.Message}."));
        }
        catch (ReplayJobBusyException busy)
        {
            return Conflict(http, Html.Of($"""
                Nothing was changed: replay job <a href="/jobs/{busy.JobId}">{busy.JobId}</a> is in progress (last progress {Page.Time(busy.LastProgressAt)})
                and may be sending this letter. Wait for it to end, then edit.
                """));
        }
        catch (ReplayJobInterruptedException interrupted)
        {
            return Conflict(http, Html.Of($"""
                Nothing was changed: replay job <a href="/jobs/{interrupted.JobId}">{interrupted.JobId}</a> was interrupted with {interrupted.Unmarked} letter(s)
                published and not marked replayed; this letter may be one of them. Resume it with <code>emailworker dlq jobs resume {interrupted.JobId}</code>,
                or give it up with <code>emailworker dlq jobs abandon {interrupted.JobId}</code>, then edit.
                """));
        }
        Log.DashboardAction(logs.CreateLogger(typeof(LetterEditEndpoints).FullName!), by, role, "edit", 1,
            $"letter {letterId} edited as {queued.Edit.EditedLetterId}", queued.Job.Id);
        launcher.Start(queued.Job, by, Rate);
        return Results.Redirect($"/jobs/{queued.Job.Id}");
    }

    /// <summary>The letter and its command, or the page that says why it cannot be edited.</summary>
    private static async Task<(DeadLetter? Letter, SendEmail? Command, IResult? Refused)> LoadAsync(HttpContext http, IDeadLetterStore store,
        OperatorContext context, string letterId)
    {
        var maxBytes = EditLimits.From(context.Delivery).MaxMessageBytes;
        if (!LetterSelection.IsLetterId(letterId) || await store.PreviewAsync(letterId, maxBytes + 1, http.RequestAborted) is not { } letter)
            return (null, null, Page.Render(http, "No such letter", Page.Notice("There is no letter with this id in the store.", "error"), status: StatusCodes.Status404NotFound));
        if (letter.State != LetterState.Dead)
            return (null, null, Conflict(http, Html.Of($"This letter is {letter.State.ToString().ToLowerInvariant()}, not dead: only a dead letter can be edited.")));
        if (LetterEditor.CommandOf(letter) is not { } command)
            return (null, null, Page.Render(http, "Cannot edit this letter",
                Page.Notice($"This letter is not a SendEmail of at most {maxBytes} bytes: it cannot be edited.", "error"), status: StatusCodes.Status400BadRequest));
        return (letter, command, null);
    }

    private static PreparedEdit Prepare(IFormCollection form, DeadLetter letter, SendEmail original, OperatorContext context)
    {
        var (changes, problems) = LetterEditForm.HasAllFields(form)
            ? LetterEditForm.Read(form, original)
            : (new LetterChanges(), ["the form is missing fields: reload the edit page"]);
        var prepared = LetterEditor.Prepare(letter, original, changes.ApplyTo(original), EditLimits.From(context.Delivery), DateTimeOffset.UtcNow);
        return problems.Count == 0 ? prepared : prepared with { Problems = [.. problems, .. prepared.Problems], Letter = null };
    }

    private static Html Problems(PreparedEdit prepared) => Html.When(prepared.Problems.Count > 0, Html.Of($"""
        <div class="error"><p>The edit is refused (the producers' validator):</p><ul>{Html.Join(prepared.Problems.Select(p => Html.Of($"<li>{p}</li>")))}</ul></div>
        """));

    private static IResult Conflict(HttpContext http, Html why) =>
        Page.Render(http, "Cannot edit this letter", Html.Of($"<p class=\"error\">{why}</p>"), status: StatusCodes.Status409Conflict);
}
