using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace EmailWorker.Benchmarks;

/// <summary>
/// Fills the SQLite dead-letter store to a size by copying the letters the real ingester stored, inside SQLite: each copy
/// gets a fresh letter id and a messageId of its own and keeps everything else (content, failure record, group). The
/// letter columns are read from the table itself, so the copy follows the store's schema. Ingesting a million letters
/// through the broker would take minutes per run; what the figures need is a store that size with real rows.
/// </summary>
internal static class DeadLetterSeed
{
    public static async Task<TimeSpan> FillAsync(string storePath, long size)
    {
        var clock = Stopwatch.StartNew();
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = storePath, Mode = SqliteOpenMode.ReadWrite }.ToString());
        await connection.OpenAsync();
        var columns = new List<string>();
        await using (var info = new SqliteCommand("SELECT name FROM pragma_table_info('dead_letters') WHERE name <> 'seq'", connection))
        await using (var reader = await info.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
                columns.Add(reader.GetString(0));
        }
        var copied = columns.Select(c => c switch
        {
            "letter_id" => "lower(hex(randomblob(16)))",
            "message_id" => "message_id || '-copy' || @round",
            _ => c,
        });
        // The ingested letters are seq 1..original: each round appends copies of them in that order, so the copy of letter
        // s is letter s + (the count before the round), and its content is copied under that seq.
        var original = await ScalarAsync(connection, "SELECT COUNT(*) FROM dead_letters");
        if (await ScalarAsync(connection, "SELECT MAX(seq) FROM dead_letters") != original)
            throw new InvalidOperationException("the store to fill must hold only ingested letters, numbered from 1");
        for (var round = 1; await ScalarAsync(connection, "SELECT COUNT(*) FROM dead_letters") is var count && count < size; round++)
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
            await using var letters = new SqliteCommand(
                $"INSERT INTO dead_letters (seq, {string.Join(", ", columns)}) SELECT seq + @offset, {string.Join(", ", copied)} FROM dead_letters " +
                "WHERE seq <= @n ORDER BY seq", connection, transaction);
            await using var contents = new SqliteCommand(
                "INSERT INTO dead_letter_contents (seq, history, headers, body) SELECT seq + @offset, history, headers, body FROM dead_letter_contents " +
                "WHERE seq <= @n ORDER BY seq", connection, transaction);
            foreach (var command in new[] { letters, contents })
            {
                command.Parameters.AddWithValue("@round", round);
                command.Parameters.AddWithValue("@offset", count);
                command.Parameters.AddWithValue("@n", Math.Min(original, size - count));
                await command.ExecuteNonQueryAsync();
            }
            await transaction.CommitAsync();
        }
        return clock.Elapsed;
    }

    /// <summary>A letter id (of the letter in the middle of the store) and a group key (the first letter's), for commands that name one.</summary>
    public static async Task<(string LetterId, string GroupKey)> PickAsync(string storePath)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = storePath, Mode = SqliteOpenMode.ReadOnly }.ToString());
        await connection.OpenAsync();
        await using var letter = new SqliteCommand("SELECT letter_id FROM dead_letters WHERE seq >= (SELECT MAX(seq) / 2 FROM dead_letters) ORDER BY seq LIMIT 1", connection);
        await using var group = new SqliteCommand("SELECT group_key FROM dead_letters ORDER BY seq LIMIT 1", connection);
        return ((string)(await letter.ExecuteScalarAsync())!, (string)(await group.ExecuteScalarAsync())!);
    }

    private static async Task<long> ScalarAsync(SqliteConnection connection, string sql)
    {
        await using var command = new SqliteCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
