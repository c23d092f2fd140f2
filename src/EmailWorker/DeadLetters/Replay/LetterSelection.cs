using System.Globalization;
using System.Runtime.CompilerServices;
using EmailWorker.DeadLetters.Store;
using EmailWorker.DeadLetters.Views;

namespace EmailWorker.DeadLetters.Replay;

/// <summary>
/// What a command acts on: the store's filter, plus what the store cannot filter by (named letters — a letter id or a
/// messageId each — and a tag from the body).
/// </summary>
internal sealed record LetterSelection(LetterFilter Filter, IReadOnlyList<string> Ids, (string Key, string Value)? Tag)
{
    /// <summary>The store's filter is the whole selection: purge and replay can act on it in the database.</summary>
    public bool InStore => Ids.Count == 0 && Tag is null;

    /// <summary>Every matching letter in full, oldest first, at most <paramref name="limit"/>; streamed a page at a time.</summary>
    public async IAsyncEnumerable<StoredLetter> StreamAsync(IDeadLetterStore store, long? limit, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var left = limit ?? long.MaxValue;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var filter in Filters())
        {
            await foreach (var (letter, letterId) in MatchesAsync(store, filter, cancellationToken))
            {
                if (left <= 0)
                    yield break;
                if (letterId is not null && letter.Summary.LetterId != letterId)
                    continue;
                if (Ids.Count > 0 && !seen.Add(letter.Summary.LetterId))
                    continue;
                if (Tag is { } tag && !HasTag(letter, tag))
                    continue;
                left--;
                yield return letter;
            }
        }
    }

    private IEnumerable<(LetterFilter Filter, string Id)?> Filters() =>
        Ids.Count == 0 ? [null] : Ids.Select(id => ((LetterFilter, string)?)(Filter with { MessageId = id }, id));

    private async IAsyncEnumerable<(StoredLetter, string?)> MatchesAsync(IDeadLetterStore store, (LetterFilter Filter, string Id)? named,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (named is not { } one)
        {
            await foreach (var letter in store.StreamFullAsync(Filter, cancellationToken: cancellationToken))
                yield return (letter, null);
            yield break;
        }
        // A letter id names one letter; anything else is a messageId (one message can have several letters).
        string? letterId = null;
        var filter = one.Filter;
        if (IsLetterId(one.Id) && await store.GetAsync(one.Id, cancellationToken) is { } found)
        {
            letterId = one.Id;
            filter = filter with { MessageId = found.Summary.MessageId };
        }
        await foreach (var letter in store.StreamFullAsync(filter, cancellationToken: cancellationToken))
            yield return (letter, letterId);
    }

    private static bool HasTag(StoredLetter letter, (string Key, string Value) tag) =>
        LetterContent.Fields(letter.Body)?.Tags?.TryGetValue(tag.Key, out var value) == true && value == tag.Value;

    /// <summary>Letter ids are 32 lowercase hex digits (see <c>DeadLetterMapper.LetterId</c>).</summary>
    public static bool IsLetterId(string text) => text.Length == 32 && text.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    /// <summary>A recipient domain as the filters take it (also the dashboard's): letters, digits, '.' and '-'.</summary>
    public static bool IsDomain(string domain) => domain.Length > 0 && domain.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-');

    /// <summary>An SMTP reply code (200-599) or an enhanced code (5.1.1), as the filters take it (also the dashboard's).</summary>
    public static bool TryCode(string text, out int? smtpCode, out string? enhancedCode)
    {
        (smtpCode, enhancedCode) = (null, null);
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var code) && code is >= 200 and <= 599)
            smtpCode = code;
        else if (text.Split('.') is [var a, var b, var c] && new[] { a, b, c }.All(p => p.Length is >= 1 and <= 3 && p.All(char.IsAsciiDigit)))
            enhancedCode = text;
        return smtpCode is not null || enhancedCode is not null;
    }
}
