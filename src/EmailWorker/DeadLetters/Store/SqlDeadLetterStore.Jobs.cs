using System.Data.Common;

namespace EmailWorker.DeadLetters.Store;

/// <summary>Replay jobs: the selection is copied into <c>replay_job_letters</c> at creation, so nothing that arrives later joins it.</summary>
internal abstract partial class SqlDeadLetterStore
{
    private const string JobColumns = "id, selection, created_by, created_at, total, cursor_position, replayed, skipped, state, updated_at, in_flight_until";

    public Task<ReplayJob> CreateReplayJobAsync(LetterSelection filter, string selection, LetterMark created, CancellationToken cancellationToken) =>
        InTransactionAsync(async (connection, transaction) =>
        {
            var jobId = await InsertJobAsync(connection, transaction, selection, created, cancellationToken);
            await using var command = connection.Command("", transaction);
            var where = FilterSql.Where(filter with { State = LetterState.Dead }, command, Dialect);
            command.CommandText = "INSERT INTO replay_job_letters (job_id, position, seq) " +
                $"SELECT @job, ROW_NUMBER() OVER (ORDER BY d.seq), d.seq FROM dead_letters d WHERE {where}";
            command.Add("@job", jobId);
            var total = await command.ExecuteNonQueryAsync(cancellationToken);
            return await SetTotalAsync(connection, transaction, jobId, total, cancellationToken);
        }, cancellationToken);

    public Task<ReplayJob> CreateReplayJobAsync(IReadOnlyCollection<string> letterIds, string selection, LetterMark created, CancellationToken cancellationToken) =>
        InTransactionAsync(async (connection, transaction) =>
        {
            var jobId = await InsertJobAsync(connection, transaction, selection, created, cancellationToken);
            // The ids are in memory already (they came from the operator); their sequence numbers are no more.
            var sequences = new List<long>();
            foreach (var chunk in letterIds.Distinct(StringComparer.Ordinal).Chunk(PageSize))
            {
                await using var select = connection.Command("", transaction);
                // The state is tested here, not in SQL: see MarkAsync for the plan "state = 0 AND letter_id IN (…)" gets.
                select.CommandText = $"SELECT seq, state FROM dead_letters WHERE letter_id IN ({select.AddList("id", chunk)})";
                await using var reader = await select.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    if (reader.GetInt32(1) == (int)LetterState.Dead)
                        sequences.Add(reader.GetInt64(0));
                }
            }
            sequences.Sort();
            await using var insert = connection.Command("INSERT INTO replay_job_letters (job_id, position, seq) VALUES (@job, @position, @seq)", transaction);
            for (var i = 0; i < sequences.Count; i++)
            {
                insert.Parameters.Clear();
                insert.Add("@job", jobId);
                insert.Add("@position", (long)i + 1);
                insert.Add("@seq", sequences[i]);
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
            return await SetTotalAsync(connection, transaction, jobId, sequences.Count, cancellationToken);
        }, cancellationToken);

    /// <summary>
    /// A job still in progress (pending, or running with a run that renewed its hold within <see cref="ActiveJobSilence"/>)
    /// holds the store's replays: a second job over the same letters would publish them too before either marks them, so
    /// it is refused. A run renews its hold every <see cref="HeartbeatInterval"/> while it lives, however slow its windows
    /// (a blocked broker can hold a confirm for minutes), so a killed run blocks others for at most the silence. A renew may
    /// itself wait for SQLite's write lock (<see cref="SqliteDeadLetterStore.LockWait"/>, then it fails and the run stops),
    /// and stamps the time it got the lock: a live run is silent for at most the interval plus that wait, and the silence
    /// is longer than both with room to spare (a loaded machine, a pause of the process).
    /// </summary>
    public static readonly TimeSpan ActiveJobSilence = TimeSpan.FromSeconds(45);

    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(3);

    private async Task<long> InsertJobAsync(DbConnection connection, DbTransaction transaction, string selection, LetterMark created,
        CancellationToken cancellationToken)
    {
        if (Dialect.JobLock is { } lockSql)
        {
            await using var locking = connection.Command(lockSql, transaction);
            await locking.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var active = connection.Command(
            "SELECT id, updated_at FROM replay_jobs WHERE (state = @pending OR (state = @running AND runner IS NOT NULL)) AND updated_at > @fresh " +
            "ORDER BY id DESC LIMIT 1", transaction))
        {
            active.Add("@pending", (int)ReplayJobState.Pending);
            active.Add("@running", (int)ReplayJobState.Running);
            active.Add("@fresh", (created.At - ActiveJobSilence).ToUnixTimeMilliseconds());
            await using var reader = await active.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
                throw new ReplayJobBusyException(reader.GetInt64(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)));
        }
        // A job interrupted (Ctrl+C, a failure, a kill whose hold lapsed) may have published its last window without marking
        // it: those letters are still dead, so a new job would send them again unannounced. It must be resumed (which
        // counts them as possible duplicates) or abandoned first.
        await using (var interrupted = connection.Command(
            "SELECT j.id, COUNT(*) FROM replay_jobs j JOIN replay_job_letters w ON w.job_id = j.id " +
            "AND w.position > j.cursor_position AND w.position <= j.in_flight_until JOIN dead_letters d ON d.seq = w.seq " +
            "WHERE j.state IN (@running, @failed) AND j.in_flight_until > j.cursor_position AND d.state = @dead GROUP BY j.id ORDER BY j.id LIMIT 1",
            transaction))
        {
            interrupted.Add("@running", (int)ReplayJobState.Running);
            interrupted.Add("@failed", (int)ReplayJobState.Failed);
            interrupted.Add("@dead", (int)LetterState.Dead);
            await using var reader = await interrupted.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
                throw new ReplayJobInterruptedException(reader.GetInt64(0), reader.GetInt64(1));
        }
        await using var command = connection.Command(
            "INSERT INTO replay_jobs (selection, created_by, created_at, total, cursor_position, replayed, skipped, state, updated_at) " +
            "VALUES (@selection, @by, @at, 0, 0, 0, 0, @state, @at) RETURNING id", transaction);
        command.Add("@selection", selection);
        command.Add("@by", created.By);
        command.Add("@at", created.At.ToUnixTimeMilliseconds());
        command.Add("@state", (int)ReplayJobState.Pending);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<ReplayJob> SetTotalAsync(DbConnection connection, DbTransaction transaction, long jobId, long total,
        CancellationToken cancellationToken)
    {
        await using var command = connection.Command("UPDATE replay_jobs SET total = @total WHERE id = @job", transaction);
        command.Add("@total", total);
        command.Add("@job", jobId);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return await ReadJobAsync(connection, transaction, jobId, cancellationToken)
            ?? throw new InvalidOperationException($"replay job {jobId} vanished while it was created");
    }

    public async Task<ReplayJob?> GetReplayJobAsync(long jobId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        return await ReadJobAsync(connection, null, jobId, cancellationToken);
    }

    public async Task<IReadOnlyList<ReplayJob>> ListReplayJobsAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command($"SELECT {JobColumns} FROM replay_jobs ORDER BY id DESC LIMIT @limit");
        command.Add("@limit", limit);
        var jobs = new List<ReplayJob>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            jobs.Add(ReadJob(reader));
        return jobs;
    }

    public async Task<JobLetterBatch> ReadJobLettersAsync(long jobId, long after, long until, long maxBytes, CancellationToken cancellationToken)
    {
        // The sizes first (no body is read for them), then the letters that fit: the read ends at the last one taken.
        var positions = new List<long>();
        var sizes = new List<long>();
        await using (var connection = await OpenConnectionAsync(cancellationToken))
        await using (var command = connection.Command(
            $"SELECT j.position, {Dialect.BodyLength}(c.body) FROM {LetterColumns.FullFrom} JOIN replay_job_letters j ON j.seq = d.seq " +
            "WHERE j.job_id = @job AND j.position > @after AND j.position <= @until ORDER BY j.position"))
        {
            command.Add("@job", jobId);
            command.Add("@after", after);
            command.Add("@until", until);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                positions.Add(reader.GetInt64(0));
                sizes.Add(reader.GetInt64(1));
            }
        }
        var taken = LetterBudget.Fit(sizes, maxBytes);
        // All fit: the read got to the end asked for, past the positions of letters deleted meanwhile.
        var reached = taken == positions.Count ? until : positions[taken - 1];
        return new JobLetterBatch(taken == 0 ? [] : await ReadJobLettersAsync(jobId, after, reached, cancellationToken), reached);
    }

    public async Task<IReadOnlyList<JobLetter>> ReadJobLettersAsync(long jobId, long after, long until, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        // Letters the retention deleted meanwhile drop out of the join; the cursor still moves past their positions.
        await using var command = connection.Command(
            $"SELECT j.position, {LetterColumns.Full} FROM {LetterColumns.FullFrom} JOIN replay_job_letters j ON j.seq = d.seq " +
            "WHERE j.job_id = @job AND j.position > @after AND j.position <= @until ORDER BY j.position");
        command.Add("@job", jobId);
        command.Add("@after", after);
        command.Add("@until", until);
        var letters = new List<JobLetter>((int)Math.Clamp(until - after, 0, PageSize));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            letters.Add(new JobLetter(reader.GetInt64(0), LetterColumns.ReadFull(reader, 1)));
        return letters;
    }

    public Task<ReplayJob> ClaimReplayJobAsync(long jobId, string runner, DateTimeOffset at, CancellationToken cancellationToken) =>
        InTransactionAsync(async (connection, transaction) =>
        {
            // One statement, so two runs that claim at once cannot both win: SQLite's write lock, PostgreSQL's row lock
            // (the second re-reads the row the first committed and no longer matches).
            await using var command = connection.Command(
                "UPDATE replay_jobs SET state = @running, runner = @runner, updated_at = @at WHERE id = @job AND state NOT IN (@completed, @cancelled) " +
                "AND (runner IS NULL OR runner = @runner OR updated_at <= @fresh)", transaction);
            command.Add("@running", (int)ReplayJobState.Running);
            command.Add("@runner", runner);
            command.Add("@at", at.ToUnixTimeMilliseconds());
            command.Add("@job", jobId);
            command.Add("@completed", (int)ReplayJobState.Completed);
            command.Add("@cancelled", (int)ReplayJobState.Cancelled);
            command.Add("@fresh", (at - ActiveJobSilence).ToUnixTimeMilliseconds());
            var claimed = await command.ExecuteNonQueryAsync(cancellationToken) == 1;
            var job = await ReadJobAsync(connection, transaction, jobId, cancellationToken) ?? throw new KeyNotFoundException($"There is no replay job {jobId}");
            if (!claimed && job.State is not (ReplayJobState.Completed or ReplayJobState.Cancelled))
                throw new ReplayJobBusyException(job.Id, job.UpdatedAt);
            return job;
        }, cancellationToken);

    public Task<bool> RenewReplayJobAsync(long jobId, string runner, TimeProvider clock, CancellationToken cancellationToken) =>
        InTransactionAsync(async (connection, transaction) =>
        {
            // The time is read once the job's row (SQLite: the file's write lock) is held, not before: a renew that waited
            // for the lock records that it is alive now, not when it began to wait.
            await using (var locking = connection.Command($"SELECT id FROM replay_jobs WHERE id = @job{Dialect.JobRowLock}", transaction))
            {
                locking.Add("@job", jobId);
                await locking.ExecuteScalarAsync(cancellationToken);
            }
            await using var command = connection.Command("UPDATE replay_jobs SET updated_at = @at WHERE id = @job AND runner = @runner", transaction);
            command.Add("@at", clock.GetUtcNow().ToUnixTimeMilliseconds());
            command.Add("@job", jobId);
            command.Add("@runner", runner);
            return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        }, cancellationToken);

    public Task<ReplayJob> ReleaseReplayJobAsync(long jobId, string runner, ReplayJobState state, DateTimeOffset at, CancellationToken cancellationToken) =>
        InTransactionAsync(async (connection, transaction) =>
        {
            await using var command = connection.Command(
                "UPDATE replay_jobs SET state = @state, runner = NULL, updated_at = @at WHERE id = @job AND runner = @runner", transaction);
            command.Add("@state", (int)state);
            command.Add("@at", at.ToUnixTimeMilliseconds());
            command.Add("@job", jobId);
            command.Add("@runner", runner);
            return await HeldJobAsync(connection, transaction, command, jobId, cancellationToken);
        }, cancellationToken);

    public Task<ReplayJob> AdvanceReplayJobAsync(long jobId, string runner, long position, IReadOnlyCollection<string> replayedIds, int skipped,
        long inFlightUntil, LetterMark mark, CancellationToken cancellationToken) =>
        InTransactionAsync(async (connection, transaction) =>
        {
            var marked = await MarkAsync(connection, transaction, replayedIds, LetterState.Replayed, mark, cancellationToken);
            await using var command = connection.Command(
                "UPDATE replay_jobs SET cursor_position = @position, replayed = replayed + @marked, skipped = skipped + @skipped, " +
                "in_flight_until = @until, updated_at = @at WHERE id = @job AND runner = @runner", transaction);
            command.Add("@position", position);
            command.Add("@marked", (long)marked);
            command.Add("@skipped", (long)skipped);
            command.Add("@until", Math.Max(position, inFlightUntil));
            command.Add("@at", mark.At.ToUnixTimeMilliseconds());
            command.Add("@job", jobId);
            command.Add("@runner", runner);
            // Another run took the job over (this one was silent too long): the marks roll back with the exception.
            return await HeldJobAsync(connection, transaction, command, jobId, cancellationToken);
        }, cancellationToken);

    public Task<ReplayJob> BeginReplayWindowAsync(long jobId, string runner, long until, DateTimeOffset at, CancellationToken cancellationToken) =>
        InTransactionAsync(async (connection, transaction) =>
        {
            await using var command = connection.Command(
                "UPDATE replay_jobs SET in_flight_until = @until, updated_at = @at WHERE id = @job AND runner = @runner", transaction);
            command.Add("@until", until);
            command.Add("@at", at.ToUnixTimeMilliseconds());
            command.Add("@job", jobId);
            command.Add("@runner", runner);
            return await HeldJobAsync(connection, transaction, command, jobId, cancellationToken);
        }, cancellationToken);

    /// <summary>Runs an update of a job this run holds; none updated means another run holds it now (or there is no such job).</summary>
    private static async Task<ReplayJob> HeldJobAsync(DbConnection connection, DbTransaction transaction, DbCommand update, long jobId,
        CancellationToken cancellationToken)
    {
        if (await update.ExecuteNonQueryAsync(cancellationToken) == 1)
            return (await ReadJobAsync(connection, transaction, jobId, cancellationToken))!;
        var job = await ReadJobAsync(connection, transaction, jobId, cancellationToken) ?? throw new KeyNotFoundException($"There is no replay job {jobId}");
        throw new ReplayJobBusyException(job.Id, job.UpdatedAt);
    }

    public Task<ReplayJob> AbandonReplayJobAsync(long jobId, DateTimeOffset at, CancellationToken cancellationToken) =>
        InTransactionAsync(async (connection, transaction) =>
        {
            // As a claim: not while a run holds the job and renewed its hold within the silence.
            await using var command = connection.Command(
                "UPDATE replay_jobs SET state = @cancelled, runner = NULL, updated_at = @at WHERE id = @job AND state NOT IN (@completed, @cancelled) " +
                "AND (runner IS NULL OR updated_at <= @fresh)", transaction);
            command.Add("@cancelled", (int)ReplayJobState.Cancelled);
            command.Add("@completed", (int)ReplayJobState.Completed);
            command.Add("@at", at.ToUnixTimeMilliseconds());
            command.Add("@job", jobId);
            command.Add("@fresh", (at - ActiveJobSilence).ToUnixTimeMilliseconds());
            var abandoned = await command.ExecuteNonQueryAsync(cancellationToken) == 1;
            var job = await ReadJobAsync(connection, transaction, jobId, cancellationToken) ?? throw new KeyNotFoundException($"There is no replay job {jobId}");
            if (!abandoned && job.State is not (ReplayJobState.Completed or ReplayJobState.Cancelled))
                throw new ReplayJobBusyException(job.Id, job.UpdatedAt);
            return job;
        }, cancellationToken);

    public Task<ReplayJob> SetReplayJobStateAsync(long jobId, ReplayJobState state, DateTimeOffset at, CancellationToken cancellationToken) =>
        InTransactionAsync(async (connection, transaction) =>
        {
            await using var command = connection.Command("UPDATE replay_jobs SET state = @state, updated_at = @at WHERE id = @job", transaction);
            command.Add("@state", (int)state);
            command.Add("@at", at.ToUnixTimeMilliseconds());
            command.Add("@job", jobId);
            return await UpdatedJobAsync(connection, transaction, command, jobId, cancellationToken);
        }, cancellationToken);

    private static async Task<ReplayJob> UpdatedJobAsync(DbConnection connection, DbTransaction transaction, DbCommand update, long jobId,
        CancellationToken cancellationToken)
    {
        if (await update.ExecuteNonQueryAsync(cancellationToken) == 0)
            throw new KeyNotFoundException($"There is no replay job {jobId}");
        return (await ReadJobAsync(connection, transaction, jobId, cancellationToken))!;
    }

    private static async Task<ReplayJob?> ReadJobAsync(DbConnection connection, DbTransaction? transaction, long jobId, CancellationToken cancellationToken)
    {
        await using var command = connection.Command($"SELECT {JobColumns} FROM replay_jobs WHERE id = @job", transaction);
        command.Add("@job", jobId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadJob(reader) : null;
    }

    private static ReplayJob ReadJob(DbDataReader reader) => new(
        reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.Time(3), reader.GetInt64(4), reader.GetInt64(5),
        reader.GetInt64(6), reader.GetInt64(7), (ReplayJobState)reader.GetInt32(8), reader.Time(9), reader.GetInt64(10));
}
