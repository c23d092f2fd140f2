using EmailWorker.DeadLetters.Replay;
using EmailWorker.DeadLetters.Store;
using Microsoft.AspNetCore.Http;

namespace EmailWorker.Dashboard;

/// <summary>
/// What a replay or purge from the dashboard acts on: letters ticked in the list or one letter (<c>id</c> fields), or the
/// dead letters matching filters (a group is the filter <c>group</c>). Always dead letters only; never "everything" by accident.
/// </summary>
/// <param name="Ids">Letters named by id.</param>
/// <param name="Query">The filters, when no letter is named.</param>
/// <param name="UpTo">The newest letter when the dry run counted the matches (the form's <c>upto</c>): a confirmation acts on
/// the letters the dry run showed, never on letters stored since.</param>
internal sealed record ActionSelection(IReadOnlyList<string> Ids, LetterQuery Query, long? UpTo = null)
{
    /// <summary>Letters one form may name: a page of the list.</summary>
    public const int MaxIds = 500;

    private const int SampleSize = 20;

    public LetterFilter Filter => Query.Filter with { State = LetterState.Dead, UpTo = UpTo };

    /// <summary>The selection a dry run posted, fixed to the letters stored now: what the confirmation form carries on.</summary>
    public async Task<ActionSelection> AsOfNowAsync(IDeadLetterStore store, CancellationToken cancellationToken) =>
        Ids.Count > 0 ? this : this with { UpTo = await store.NewestSequenceAsync(cancellationToken) };

    /// <summary>
    /// The selection a confirmation posted, or the reason it cannot be acted on: a filter must come with the dry run's
    /// bound, else it would take letters stored after the operator looked.
    /// </summary>
    public static (ActionSelection? Selection, string? Problem) ReadConfirmed(IFormCollection form)
    {
        var (selection, problem) = Read(form);
        if (selection is null || selection.Ids.Count > 0)
            return (selection, problem);
        if (!long.TryParse(form["upto"], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var upTo))
            return (null, "this confirmation does not say which letters its dry run showed: run the dry run again");
        return (selection with { UpTo = upTo }, null);
    }

    /// <summary>The selection a form posted, or the reason it cannot be acted on.</summary>
    public static (ActionSelection? Selection, string? Problem) Read(IFormCollection form)
    {
        var ids = form["id"].Where(id => !string.IsNullOrEmpty(id)).Select(id => id!).Distinct(StringComparer.Ordinal).ToList();
        var query = LetterQuery.From(form);
        if (query.Problems.Count > 0)
            return (null, string.Join("; ", query.Problems));
        if (ids.Count > MaxIds)
            return (null, $"{ids.Count} letters ticked: at most {MaxIds} at once; select by a filter or a group instead");
        if (ids.Find(id => !LetterSelection.IsLetterId(id)) is { } wrong)
            return (null, $"'{wrong}' is not a letter id");
        if (ids.Count == 0 && query.IsEmpty)
            return (null, "nothing selected: tick letters, or filter the list (a class, a group, a code …) and act on the matches");
        return (new ActionSelection(ids, query), null);
    }

    /// <summary>How the audit log and the job name the selection.</summary>
    public string Describe() => Ids.Count > 0 ? $"letters {string.Join(' ', Ids)}" : Query.Describe();

    /// <summary>The dead letters selected now, and the messageIds of the first few: what the dry run shows.</summary>
    public async Task<(long Count, IReadOnlyList<LetterSummary> Sample)> CountAsync(IDeadLetterStore store, CancellationToken cancellationToken)
    {
        if (Ids.Count == 0)
        {
            var count = await store.CountAsync(Filter, cancellationToken);
            var sample = await store.StreamAsync(Filter, SampleSize, cancellationToken: cancellationToken).ToListAsync(cancellationToken);
            return (count, sample);
        }
        var dead = new List<LetterSummary>();
        foreach (var id in Ids)
        {
            // The state is all the dry run needs: no body is read.
            if (await store.PreviewAsync(id, 0, cancellationToken) is { Letter.Summary.State: LetterState.Dead } letter)
                dead.Add(letter.Letter.Summary);
        }
        return (dead.Count, dead.Take(SampleSize).ToList());
    }

    /// <summary>The form fields that post this selection again (from the dry run to the confirmation).</summary>
    public Html HiddenFields() =>
        Ids.Count > 0 ? Html.Join(Ids.Select(id => Html.Of($"<input type=\"hidden\" name=\"id\" value=\"{id}\">")))
        : Html.Join([Query.HiddenFields(), Html.When(UpTo is not null, Html.Of($"<input type=\"hidden\" name=\"upto\" value=\"{UpTo}\">"))]);
}
