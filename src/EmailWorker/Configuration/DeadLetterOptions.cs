namespace EmailWorker.Configuration;

/// <summary>Section <c>DeadLetters</c>: the dead-letter store and whether this process ingests <c>email.dead</c> into it.</summary>
internal sealed class DeadLetterOptions
{
    public const string Section = "DeadLetters";

    /// <summary>Whether <c>emailworker run</c> consumes the dead-letter queue into the store.</summary>
    public bool Ingest { get; set; } = true;

    /// <summary><c>Sqlite</c> (a file in <see cref="DataDirectory"/>, one host) or <c>Postgres</c> (<see cref="ConnectionString"/>, shared).</summary>
    public string Store { get; set; } = nameof(DeadLetterStoreKind.Sqlite);

    /// <summary>Folder of the SQLite file; a relative path is taken from the working directory.</summary>
    public string DataDirectory { get; set; } = "./data";

    /// <summary>PostgreSQL connection string (holds a password: set it in the environment, it is never logged).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>How long replayed and purged letters stay in the store as history.</summary>
    public string Retention { get; set; } = "30d";

    /// <summary>Letters stored per transaction, and the ingester's prefetch.</summary>
    public int IngestBatchSize { get; set; } = 500;
}
