using EmailWorker.DeadLetters.Store;
using EmailWorker.DeadLetters.Views;
using Microsoft.AspNetCore.Http;

namespace EmailWorker.Dashboard;

/// <summary>
/// The dashboard's binder onto <see cref="LetterSelection"/>: the filters of the list, the dry run and the actions, read from
/// a query string or a form by the names of the <c>dlq</c> options (<c>class</c>, <c>reason</c>, <c>to-domain</c>,
/// <c>group</c>, <c>code</c>, <c>since</c>, <c>until</c>, and <c>state</c>: dead, replayed, purged, edited or all), with the
/// selection's rules (a refused value is a message for the page); and the selection written back as links, hidden fields
/// and the words of the audit log. <see cref="Values"/> keeps the text as the operator wrote it, so it goes back unchanged.
/// An action (replay, purge) acts on letters ticked in the list or one letter (<c>id</c> fields), or on the dead letters
/// matching filters (a group is the filter <c>group</c>): always dead letters only, never "everything" by accident.
/// </summary>
internal sealed record LetterForm(IReadOnlyDictionary<string, string> Values, LetterSelection Selection, IReadOnlyList<string> Problems)
{
    public static readonly string[] Names = ["class", "reason", "to-domain", "group", "code", "since", "until", "state"];

    private const int SampleSize = 20;

    public static LetterForm From(Func<string, string?> read)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in Names)
        {
            if (read(name)?.Trim() is { Length: > 0 and <= LetterSelection.MaxValueLength } value)
                values[name] = value;
        }
        var (selection, problems) = LetterSelection.Bind(values.GetValueOrDefault);
        return new LetterForm(values, selection, problems);
    }

    public static LetterForm From(IQueryCollection query) => From(name => query[name].ToString());

    public static LetterForm From(IFormCollection form) => From(name => form[name].ToString());

    /// <summary>
    /// What an action's form posted, or the reason it cannot be acted on. A confirmation (<paramref name="confirmed"/>) that
    /// selects by filters must carry its dry run's bound (<c>upto</c>), else it would take letters stored after the operator looked.
    /// </summary>
    public static (LetterForm? Form, string? Problem) ReadAction(IFormCollection form, bool confirmed = false)
    {
        var ids = form["id"].Where(id => !string.IsNullOrEmpty(id)).Select(id => id!).Distinct(StringComparer.Ordinal).ToList();
        var read = From(form);
        if (read.Problems.Count > 0)
            return (null, string.Join("; ", read.Problems));
        if (LetterSelection.FormIdsProblem(ids) is { } idsProblem)
            return (null, idsProblem);
        var action = read with { Selection = read.Selection with { Ids = ids, State = LetterState.Dead } };
        if (action.Selection.IsEmpty)
            return (null, "nothing selected: tick letters, or filter the list (a class, a group, a code …) and act on the matches");
        if (!confirmed || ids.Count > 0)
            return (action, null);
        if (LetterSelection.ReadUpTo(form["upto"]) is not { } upTo)
            return (null, "this confirmation does not say which letters its dry run showed: run the dry run again");
        return (action with { Selection = action.Selection.AsOf(upTo) }, null);
    }

    /// <summary>The selection a dry run posted, fixed to the letters stored now: what the confirmation form carries on.</summary>
    public async Task<LetterForm> AsOfNowAsync(IDeadLetterStore store, CancellationToken cancellationToken) =>
        Selection.Ids.Count > 0 ? this : this with { Selection = Selection.AsOf(await store.NewestSequenceAsync(cancellationToken)) };

    /// <summary>The dead letters selected now, and the first few: what the dry run shows.</summary>
    public async Task<(long Count, IReadOnlyList<DeadLetterView> Sample)> CountAsync(IDeadLetterStore store, CancellationToken cancellationToken)
    {
        if (Selection.Ids.Count == 0)
        {
            var count = await store.CountAsync(Selection, cancellationToken);
            var sample = await store.StreamAsync(Selection, SampleSize, cancellationToken: cancellationToken).Select(DeadLetterView.From).ToListAsync(cancellationToken);
            return (count, sample);
        }
        var dead = new List<DeadLetterView>();
        foreach (var id in Selection.Ids)
        {
            // The state is all the dry run needs: no body is read.
            if (await store.PreviewAsync(id, 0, cancellationToken) is { State: LetterState.Dead } letter)
                dead.Add(DeadLetterView.From(letter));
        }
        return (dead.Count, dead.Take(SampleSize).ToList());
    }

    /// <summary>The filters as a query string (for links) — encoded here, escaped again by the page.</summary>
    public string ToQueryString(params (string Name, string Value)[] more) =>
        string.Join('&', Values.Select(v => (v.Key, v.Value)).Concat(more).Select(v => $"{Uri.EscapeDataString(v.Item1)}={Uri.EscapeDataString(v.Item2)}"));

    /// <summary>The filters as hidden fields of a form that acts on them.</summary>
    public Html FilterFields() => Html.Join(Values.Select(v => Html.Of($"<input type=\"hidden\" name=\"{v.Key}\" value=\"{v.Value}\">")));

    /// <summary>The form fields that post this selection again (from the dry run to the confirmation).</summary>
    public Html HiddenFields() =>
        Selection.Ids.Count > 0 ? Html.Join(Selection.Ids.Select(id => Html.Of($"<input type=\"hidden\" name=\"id\" value=\"{id}\">")))
        : Html.Join([FilterFields(), Html.When(Selection.UpTo is not null, Html.Of($"<input type=\"hidden\" name=\"upto\" value=\"{Selection.UpTo}\">"))]);

    /// <summary>How the audit log and a job name the selection: the letters, or the same words as the <c>dlq</c> options.</summary>
    public string Describe() =>
        Selection.Ids.Count > 0 ? $"letters {string.Join(' ', Selection.Ids)}"
        : Values.Keys.All(k => k == "state") ? "--all" : string.Join(' ', Values.Select(v => $"--{v.Key} {v.Value}"));
}
