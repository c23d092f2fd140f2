namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// A letter as a page shows it: in full but for its body, of which only the first bytes were read
/// (<see cref="StoredLetter.Body"/> is that prefix); <see cref="BodyLength"/> is the whole body's size.
/// </summary>
internal sealed record LetterPreview(StoredLetter Letter, long BodyLength)
{
    public bool IsWholeBody => Letter.Body.Length == BodyLength;
}
