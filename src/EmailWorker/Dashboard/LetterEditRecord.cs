using EmailWorker.DeadLetters.Edit;
using EmailWorker.DeadLetters.Store;
using EmailWorker.DeadLetters.Views;

namespace EmailWorker.Dashboard;

/// <summary>On a letter's page: the edit that replaced it or made it, who did it and when, and the difference between the two versions kept.</summary>
internal static class LetterEditRecord
{
    public static Html Render(LetterEdit? edit, string letterId)
    {
        if (edit is null)
            return Html.Empty;
        var (other, relation) = edit.OriginalLetterId == letterId ? (edit.EditedLetterId, "Edited: replaced by its edited copy")
            : (edit.OriginalLetterId, "The edited copy of");
        var before = ContentReader.Command(edit.OriginalBody);
        var after = ContentReader.Command(edit.EditedBody);
        return Html.Of($"""
            <h2>Edit &amp; retry</h2>
            <p>{relation} <a href="/letters/{other}">{other}</a>, by {edit.By} ({edit.Role}) at {Page.Time(edit.At)}, sent by replay job
            <a href="/jobs/{edit.JobId}">{edit.JobId}</a>.</p>
            {(before is not null && after is not null ? EditDiffView.Render(SendEmailDiff.Between(before, after)) : Html.Empty)}
            """);
    }
}
