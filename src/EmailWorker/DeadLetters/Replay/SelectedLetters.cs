using System.Runtime.CompilerServices;
using EmailWorker.DeadLetters.Store;
using EmailWorker.DeadLetters.Views;

namespace EmailWorker.DeadLetters.Replay;

/// <summary>
/// The letters of a <see cref="LetterSelection"/> in full, with what the store's SQL cannot match — named letters (a letter
/// id or a messageId each) and a tag from the body — matched as they stream.
/// </summary>
internal static class SelectedLetters
{
    /// <summary>Every matching letter in full, oldest first, at most <paramref name="limit"/>; streamed a page at a time.</summary>
    public static async IAsyncEnumerable<DeadLetter> StreamAsync(this LetterSelection selection, IDeadLetterStore store, long? limit,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var left = limit ?? long.MaxValue;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var inStore = selection with { Ids = [], Tag = null };
        foreach (var id in selection.Ids.Count == 0 ? [null] : selection.Ids.Select(id => (string?)id))
        {
            await foreach (var (letter, letterId) in MatchesAsync(store, inStore, id, cancellationToken))
            {
                if (left <= 0)
                    yield break;
                if (letterId is not null && letter.LetterId != letterId)
                    continue;
                if (selection.Ids.Count > 0 && !seen.Add(letter.LetterId))
                    continue;
                if (selection.Tag is { } tag && !HasTag(letter, tag))
                    continue;
                left--;
                yield return letter;
            }
        }
    }

    private static async IAsyncEnumerable<(DeadLetter, string?)> MatchesAsync(IDeadLetterStore store, LetterSelection inStore, string? id,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (id is null)
        {
            await foreach (var letter in store.StreamFullAsync(inStore, cancellationToken: cancellationToken))
                yield return (letter, null);
            yield break;
        }
        // A letter id names one letter; anything else is a messageId (one message can have several letters).
        string? letterId = null;
        var filter = inStore with { MessageId = id };
        if (LetterSelection.IsLetterId(id) && await store.GetAsync(id, cancellationToken) is { } found)
        {
            letterId = id;
            filter = inStore with { MessageId = found.MessageId };
        }
        await foreach (var letter in store.StreamFullAsync(filter, cancellationToken: cancellationToken))
            yield return (letter, letterId);
    }

    private static bool HasTag(DeadLetter letter, (string Key, string Value) tag) =>
        ContentReader.Fields(letter.LoadedContent.Body)?.Tags?.TryGetValue(tag.Key, out var value) == true && value == tag.Value;
}
