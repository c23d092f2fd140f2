using System.Runtime.CompilerServices;
using EmailWorker.Delivery.Suppression;

namespace EmailWorker.Cli.Suppress;

/// <summary>Every entry in (address, scope) order, read a page at a time (keyset paging): a million entries never in memory at once.</summary>
internal static class SuppressionPages
{
    public const int PageSize = 1000;

    public static async IAsyncEnumerable<SuppressionEntry> AllAsync(ISuppressionStore list, [EnumeratorCancellation] CancellationToken token)
    {
        string? afterKey = null, afterScope = null;
        while (true)
        {
            var page = await list.ListSuppressionsAsync(null, afterKey, afterScope, PageSize, token);
            foreach (var entry in page)
                yield return entry;
            if (page.Count < PageSize)
                yield break;
            (afterKey, afterScope) = (page[^1].Key, page[^1].Scope);
        }
    }
}
