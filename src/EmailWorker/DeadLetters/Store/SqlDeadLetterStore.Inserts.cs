using System.Data.Common;
using System.Text.Json;

namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// Storing what the ingester read: each letter's row, its content and its group, in one transaction per batch; a letter
/// already stored (by its id) is left as it is, so a redelivered batch stores nothing twice.
/// </summary>
internal abstract partial class SqlDeadLetterStore
{
    private const string InsertLetter =
        "INSERT INTO dead_letters (letter_id, message_id, class, reason, smtp_code, enhanced_code, attempts, first_failure_at, " +
        "last_failure_at, recipients, group_key, stored_at, state) VALUES (@letter_id, @message_id, @class, @reason, @smtp_code, " +
        "@enhanced_code, @attempts, @first_failure_at, @last_failure_at, @recipients, @group_key, @stored_at, 0) ON CONFLICT (letter_id) DO NOTHING";

    // After the letter's row (new, or there already): its content under the row's seq, unless it is there already.
    private const string InsertContent =
        "INSERT INTO dead_letter_contents (seq, history, headers, body, properties) SELECT seq, @history, @headers, @body, @properties FROM dead_letters " +
        "WHERE letter_id = @letter_id ON CONFLICT (seq) DO NOTHING";

    private const string InsertGroup =
        "INSERT INTO dead_letter_groups (group_key, label, class, smtp_code, enhanced_code) VALUES (@group_key, @label, @class, " +
        "@smtp_code, @enhanced_code) ON CONFLICT (group_key) DO NOTHING";

    public async Task<int> InsertAsync(IReadOnlyCollection<IngestedLetter> letters, CancellationToken cancellationToken)
    {
        if (letters.Count == 0)
            return 0;
        var storedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (Dialect.DurableCommit is { } durable)
            await connection.ExecuteAsync(durable, transaction, cancellationToken);
        var inserted = connection.CanCreateBatch
            ? await InsertBatchedAsync(connection, transaction, letters, storedAt, cancellationToken)
            : await InsertOneByOneAsync(connection, transaction, letters, storedAt, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return inserted;
    }

    /// <summary>PostgreSQL: the whole batch in one round trip.</summary>
    private static async Task<int> InsertBatchedAsync(DbConnection connection, DbTransaction transaction, IReadOnlyCollection<IngestedLetter> letters,
        long storedAt, CancellationToken cancellationToken)
    {
        await using var batch = connection.CreateBatch();
        batch.Transaction = transaction;
        var letterCommands = new List<DbBatchCommand>(letters.Count);
        foreach (var letter in letters)
        {
            var insert = batch.CreateBatchCommand();
            insert.CommandText = InsertLetter;
            AddLetterParameters(insert.Parameters, insert.CreateParameter, letter, storedAt);
            batch.BatchCommands.Add(insert);
            letterCommands.Add(insert);
            var content = batch.CreateBatchCommand();
            content.CommandText = InsertContent;
            AddContentParameters(content.Parameters, content.CreateParameter, letter);
            batch.BatchCommands.Add(content);
        }
        foreach (var letter in letters.DistinctBy(l => l.Group.Key))
        {
            var group = batch.CreateBatchCommand();
            group.CommandText = InsertGroup;
            AddGroupParameters(group.Parameters, group.CreateParameter, letter);
            batch.BatchCommands.Add(group);
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
        return letterCommands.Sum(c => c.RecordsAffected);
    }

    /// <summary>SQLite: a prepared statement per table, run per letter inside the transaction (no round trips to save).</summary>
    private static async Task<int> InsertOneByOneAsync(DbConnection connection, DbTransaction transaction, IReadOnlyCollection<IngestedLetter> letters,
        long storedAt, CancellationToken cancellationToken)
    {
        var inserted = 0;
        await using var insert = connection.Command(InsertLetter, transaction);
        await using var content = connection.Command(InsertContent, transaction);
        await using var group = connection.Command(InsertGroup, transaction);
        foreach (var letter in letters)
        {
            insert.Parameters.Clear();
            AddLetterParameters(insert.Parameters, insert.CreateParameter, letter, storedAt);
            inserted += await insert.ExecuteNonQueryAsync(cancellationToken);
            content.Parameters.Clear();
            AddContentParameters(content.Parameters, content.CreateParameter, letter);
            await content.ExecuteNonQueryAsync(cancellationToken);
        }
        foreach (var letter in letters.DistinctBy(l => l.Group.Key))
        {
            group.Parameters.Clear();
            AddGroupParameters(group.Parameters, group.CreateParameter, letter);
            await group.ExecuteNonQueryAsync(cancellationToken);
        }
        return inserted;
    }

    private static void AddLetterParameters(DbParameterCollection parameters, Func<DbParameter> create, IngestedLetter letter, long storedAt)
    {
        void Add(string name, object? value)
        {
            var parameter = create();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            parameters.Add(parameter);
        }
        Add("@letter_id", letter.LetterId);
        Add("@message_id", letter.MessageId);
        Add("@class", letter.Failure.Class);
        Add("@reason", letter.Failure.Reason);
        Add("@smtp_code", letter.Failure.SmtpCode);
        Add("@enhanced_code", letter.Failure.EnhancedCode);
        Add("@attempts", letter.Failure.Attempts);
        Add("@first_failure_at", letter.Failure.FirstFailureAt.ToUnixTimeMilliseconds());
        Add("@last_failure_at", letter.Failure.LastFailureAt.ToUnixTimeMilliseconds());
        Add("@recipients", JsonSerializer.Serialize(letter.Recipients.ToArray(), DeadLetterJsonContext.Default.StringArray));
        Add("@group_key", letter.Group.Key);
        Add("@stored_at", storedAt);
    }

    private static void AddContentParameters(DbParameterCollection parameters, Func<DbParameter> create, IngestedLetter letter)
    {
        void Add(string name, object value)
        {
            var parameter = create();
            parameter.ParameterName = name;
            parameter.Value = value;
            parameters.Add(parameter);
        }
        Add("@letter_id", letter.LetterId);
        Add("@history", letter.Content.HistoryJson);
        Add("@headers", letter.Content.HeadersJson);
        Add("@body", letter.Content.Body);
        Add("@properties", letter.Content.Properties is { } properties
            ? System.Text.Json.JsonSerializer.Serialize(properties, DeadLetterJsonContext.Default.LetterProperties)
            : DBNull.Value);
    }

    private static void AddGroupParameters(DbParameterCollection parameters, Func<DbParameter> create, IngestedLetter letter)
    {
        void Add(string name, object? value)
        {
            var parameter = create();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            parameters.Add(parameter);
        }
        Add("@group_key", letter.Group.Key);
        Add("@label", letter.Group.Label);
        Add("@class", letter.Failure.Class);
        Add("@smtp_code", letter.Failure.SmtpCode);
        Add("@enhanced_code", letter.Failure.EnhancedCode);
    }
}
