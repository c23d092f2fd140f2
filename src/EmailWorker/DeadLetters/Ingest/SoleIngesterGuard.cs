using EmailWorker.Configuration;
using EmailWorker.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace EmailWorker.DeadLetters.Ingest;

/// <summary>
/// With the SQLite store every ingesting process keeps its own file, so two of them consuming <c>email.dead</c> split the
/// dead letters between two files (and a scale-in deletes one of them with letters already acked off the queue). The broker
/// tells whether that is happening: the consumer count of <c>email.dead</c> (a passive declare, no permission needed). Other
/// consumers are fine when they ingest into this very file (processes of one host sharing the data directory): each
/// ingester holds <c>ingest.lock</c> there, so a lock held by another process means the file is shared, not split. A
/// PostgreSQL store is shared, so any number may ingest into it and this guard does not apply.
/// </summary>
internal sealed class SoleIngesterGuard(IOptions<DeadLetterOptions> options, TopologyNames names, TimeProvider time, ILogger<SoleIngesterGuard> logger)
    : IDisposable
{
    /// <summary>
    /// How long another consumer may hold <c>email.dead</c> before this process refuses: an operator command (<c>dlq</c>)
    /// drains it for a moment and lets go; another worker's ingester never does.
    /// </summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    private FileStream? _lock;

    public bool Applies => Enum.TryParse<DeadLetterStoreKind>(options.Value.Store, ignoreCase: true, out var kind) && kind == DeadLetterStoreKind.Sqlite;

    public string Refusal =>
        $"another process consumes {names.Dead} while this one would ingest it into its own SQLite file ({options.Value.DataDirectory}), " +
        "which splits the dead letters between files: set DeadLetters:Ingest=false on all workers but one, " +
        "or give every worker the same DeadLetters:Store=Postgres (docs/deployment.md: one rule for the store)";

    /// <summary>Waits, up to <see cref="Patience"/>, until nobody else consumes <c>email.dead</c>; false if someone still does.</summary>
    public async Task<bool> WaitUntilAloneAsync(IChannel channel, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var logged = false;
        while (true)
        {
            // First, so that an ingester alone holds the lock too and the next one on this file sees it.
            var shared = AnotherIngesterOfThisFile();
            var others = await OthersAsync(channel, own: 0, cancellationToken);
            if (others == 0 || shared)
                return true;
            if (time.GetElapsedTime(started) >= Patience)
                return false;
            if (!logged)
            {
                Log.DeadLetterQueueHeldByOther(logger, names.Dead, others, Patience);
                logged = true;
            }
            await Task.Delay(Poll, time, cancellationToken);
        }
    }

    /// <summary>
    /// Whether another process ingests into this same SQLite file: it holds the directory's <c>ingest.lock</c> (an
    /// advisory lock, released when that process ends). Otherwise this process takes the lock and holds it from now on.
    /// </summary>
    public bool AnotherIngesterOfThisFile()
    {
        if (_lock is not null)
            return false;
        try
        {
            // FileShare.None is an exclusive flock on Linux: a second open fails while another process holds it.
            _lock = new FileStream(Path.Combine(options.Value.DataDirectory, "ingest.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public void Dispose() => _lock?.Dispose();

    /// <summary>Consumers of <c>email.dead</c> other than this process's own <paramref name="own"/>.</summary>
    public async Task<uint> OthersAsync(IChannel channel, uint own, CancellationToken cancellationToken)
    {
        var ok = await channel.QueueDeclarePassiveAsync(names.Dead, cancellationToken);
        return ok.ConsumerCount > own ? ok.ConsumerCount - own : 0;
    }
}
