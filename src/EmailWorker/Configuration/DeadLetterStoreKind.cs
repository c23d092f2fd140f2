namespace EmailWorker.Configuration;

/// <summary>The stores <c>DeadLetters:Store</c> names.</summary>
internal enum DeadLetterStoreKind
{
    Sqlite,
    Postgres,
}
