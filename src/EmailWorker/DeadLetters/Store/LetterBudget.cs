namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// How many body bytes one read of full letters may bring into memory: a replay batch, a page of
/// <see cref="IDeadLetterStore.StreamFullAsync"/>. Counting letters alone is not enough: a <c>too_large</c> letter can be
/// as big as <c>RabbitMq:MaxInboundMessageBytes</c> (128 MiB), and 256 of them are 32 GiB. A read always takes at least
/// one letter, however big, so a huge letter still moves (alone).
/// </summary>
internal static class LetterBudget
{
    /// <summary>
    /// 16 MiB: a replay holds two batches at once (one confirming, one publishing) and each published letter is copied
    /// once more into its message, so its bodies take about 4 × 16 = 64 MiB, plus one letter over the budget; ordinary
    /// letters (a few KiB, up to a few hundred with attachments) still fill a whole batch of 256, so they go as fast as before.
    /// </summary>
    public const long BytesPerRead = 16 * 1024 * 1024;

    /// <summary>
    /// How many letters fit from the front of <paramref name="sizes"/>: as many as stay within <paramref name="maxBytes"/>,
    /// and always at least one.
    /// </summary>
    public static int Fit(IReadOnlyList<long> sizes, long maxBytes)
    {
        var taken = 0;
        long bytes = 0;
        foreach (var size in sizes)
        {
            if (taken > 0 && bytes + size > maxBytes)
                break;
            bytes += size;
            taken++;
        }
        return taken;
    }
}
