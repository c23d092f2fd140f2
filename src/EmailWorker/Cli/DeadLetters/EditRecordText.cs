using EmailWorker.DeadLetters.Edit;
using EmailWorker.DeadLetters.Store;
using EmailWorker.DeadLetters.Views;
using EmailWorker.Diagnostics;

namespace EmailWorker.Cli.DeadLetters;

/// <summary>For <c>dlq show</c>: the edit that replaced a letter or made it — who, when, its job — and the difference between the two versions kept, escaped.</summary>
internal static class EditRecordText
{
    public static void Write(LetterEdit edit, string letterId, TextWriter output)
    {
        var relation = edit.OriginalLetterId == letterId ? $"replaced by its edited copy {edit.EditedLetterId}" : $"the edited copy of {edit.OriginalLetterId}";
        output.WriteLine($"edit            {relation}, by {SafeText.Bound(edit.By, 200)} ({SafeText.Bound(edit.Role, 50)}) at {edit.At:O}, replay job {edit.JobId}");
        if (ContentReader.Command(edit.OriginalBody) is { } before && ContentReader.Command(edit.EditedBody) is { } after)
        {
            foreach (var line in SendEmailDiff.Between(before, after))
                output.WriteLine($"  {line.Kind} {line.Field}: {SafeText.Bound(line.Text, SendEmailDiff.MaxLineLength + 1)}");
        }
        output.WriteLine();
    }
}
