
namespace EmailWorker.DeadLetters.Tests;

public enum StoreKind
{
    Sqlite,
    Postgres,
}
