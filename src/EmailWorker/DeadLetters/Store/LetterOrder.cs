namespace EmailWorker.DeadLetters.Store;

/// <summary>The order letters are listed in: by arrival in the store.</summary>
internal enum LetterOrder
{
    OldestFirst,
    NewestFirst,
}
