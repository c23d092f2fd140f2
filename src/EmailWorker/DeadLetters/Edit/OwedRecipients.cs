using EmailWorker.Contracts;

namespace EmailWorker.DeadLetters.Edit;

/// <summary>
/// Who the edited message is owed to. A dead letter may stand for some of its recipients only (the others got it); the edit
/// keeps that: a recipient of the original who is not owed is not sent the edit, a recipient still owed or added by the
/// edit is. The delivered ledger, keyed on the message id the edit keeps, skips anyone delivered again.
/// </summary>
internal static class OwedRecipients
{
    /// <summary>The addresses owed (lower case, in the edit's order); null when every recipient of the edit is.</summary>
    public static IReadOnlyList<string>? Of(SendEmail original, IReadOnlyList<string>? owedByOriginal, SendEmail edited)
    {
        if (owedByOriginal is null)
            return null;
        var owed = owedByOriginal.Select(Key).ToHashSet(StringComparer.Ordinal);
        var before = All(original).ToHashSet(StringComparer.Ordinal);
        var result = All(edited).Where(a => owed.Contains(a) || !before.Contains(a)).Distinct(StringComparer.Ordinal).ToList();
        return result.Count == All(edited).Distinct(StringComparer.Ordinal).Count() ? null : result;
    }

    public static IEnumerable<string> All(SendEmail command) => command.To.Concat(command.Cc).Concat(command.Bcc).Select(a => Key(a.Address));

    private static string Key(string address) => address.Trim().ToLowerInvariant();
}
