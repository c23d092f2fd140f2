using System.Runtime.CompilerServices;

namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// Reading letters: summaries page by page (keyset), letters in full within a byte budget, counts, groups, one letter or
/// one message's letters, and the start of a big body for display.
/// </summary>
internal abstract partial class SqlDeadLetterStore
{
    public async IAsyncEnumerable<DeadLetter> StreamAsync(LetterSelection filter, long? limit = null, LetterOrder order = LetterOrder.OldestFirst,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        long? after = null;
        var left = limit ?? long.MaxValue;
        while (left > 0)
        {
            var page = await PageAsync(filter, after, (int)Math.Min(PageSize, left), order, cancellationToken);
            foreach (var letter in page.Letters)
                yield return letter;
            left -= page.Letters.Count;
            if (page.Next is null)
                yield break;
            after = page.Next;
        }
    }

    public async IAsyncEnumerable<DeadLetter> StreamFullAsync(LetterSelection filter, long? limit = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        long? after = 0;
        var left = limit ?? long.MaxValue;
        // Pages of full letters are smaller: bodies can carry attachments.
        const int fullPage = 100;
        while (left > 0 && after is { } cursor)
        {
            var page = await FullPageAsync(filter, cursor, (int)Math.Min(fullPage, left), LetterBudget.BytesPerRead, cancellationToken);
            foreach (var letter in page.Letters)
                yield return letter;
            left -= page.Letters.Count;
            after = page.Next;
        }
    }

    public async Task<LetterPage> FullPageAsync(LetterSelection filter, long after, int size, long maxBytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        // The sizes first (no body is read for them), then the letters that fit, read up to the last one taken.
        var sequences = new List<long>(size);
        var sizes = new List<long>(size);
        await using (var connection = await OpenConnectionAsync(cancellationToken))
        await using (var command = connection.Command(""))
        {
            var where = FilterSql.Where(filter, command, Dialect);
            command.CommandText = $"SELECT d.seq, {Dialect.BodyLength}(c.body) FROM {LetterColumns.FullFrom} WHERE {where} AND d.seq > @after ORDER BY d.seq LIMIT @size";
            command.Add("@after", after);
            command.Add("@size", size);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                sequences.Add(reader.GetInt64(0));
                sizes.Add(reader.GetInt64(1));
            }
        }
        var taken = LetterBudget.Fit(sizes, maxBytes);
        if (taken == 0)
            return new LetterPage([], null);
        var last = sequences[taken - 1];
        var letters = new List<DeadLetter>(taken);
        await using (var connection = await OpenConnectionAsync(cancellationToken))
        await using (var command = connection.Command(""))
        {
            var where = FilterSql.Where(filter, command, Dialect);
            command.CommandText = $"SELECT {LetterColumns.Full} FROM {LetterColumns.FullFrom} WHERE {where} AND d.seq > @after AND d.seq <= @last ORDER BY d.seq";
            command.Add("@after", after);
            command.Add("@last", last);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                letters.Add(LetterColumns.ReadFull(reader));
        }
        // Fewer than asked and all of them taken: that was the last page.
        return new LetterPage(letters, taken == sequences.Count && sequences.Count < size ? null : last);
    }

    public async Task<LetterPage> PageAsync(LetterSelection filter, long? after, int size, LetterOrder order, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command("");
        var where = FilterSql.Where(filter, command, Dialect);
        var newest = order == LetterOrder.NewestFirst;
        if (after is { } cursor)
        {
            where += newest ? " AND d.seq < @after" : " AND d.seq > @after";
            command.Add("@after", cursor);
        }
        // One row more than asked tells whether another page follows without a second query.
        command.CommandText = $"SELECT {LetterColumns.Summary} FROM dead_letters d WHERE {where} ORDER BY d.seq {(newest ? "DESC" : "ASC")} LIMIT @size";
        command.Add("@size", size + 1);
        var letters = new List<DeadLetter>(Math.Min(size, PageSize));
        var more = false;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                if (letters.Count == size)
                {
                    more = true;
                    break;
                }
                letters.Add(LetterColumns.ReadSummary(reader));
            }
        }
        return new LetterPage(letters, more ? letters[^1].Sequence : null);
    }

    public async Task<long> CountAsync(LetterSelection filter, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command("");
        command.CommandText = $"SELECT COUNT(*) FROM dead_letters d WHERE {FilterSql.Where(filter, command, Dialect)}";
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<long> NewestSequenceAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var newest = connection.Command("SELECT MAX(seq) FROM dead_letters");
        return await newest.ExecuteScalarAsync(cancellationToken) is { } found and not DBNull
            ? Convert.ToInt64(found, System.Globalization.CultureInfo.InvariantCulture)
            : 0;
    }

    public async Task<IReadOnlyList<LetterGroup>> GroupsAsync(LetterSelection filter, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command("");
        var where = FilterSql.Where(filter, command, Dialect);
        command.CommandText = $"""
            SELECT g.group_key, g.label, g.class, g.smtp_code, g.enhanced_code, s.n, s.first_seen, s.last_seen, sample.reason
            FROM (SELECT d.group_key, COUNT(*) AS n, MIN(d.last_failure_at) AS first_seen, MAX(d.last_failure_at) AS last_seen, MIN(d.seq) AS sample_seq
                  FROM dead_letters d WHERE {where} GROUP BY d.group_key ORDER BY COUNT(*) DESC, d.group_key LIMIT @limit) s
            JOIN dead_letter_groups g ON g.group_key = s.group_key
            JOIN dead_letters sample ON sample.seq = s.sample_seq
            ORDER BY s.n DESC, s.group_key
            """;
        command.Add("@limit", limit);
        var groups = new List<LetterGroup>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            groups.Add(new LetterGroup(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetInt32(3),
                reader.NullableString(4), reader.GetInt64(5), reader.Time(6), reader.Time(7), reader.GetString(8)));
        }
        return groups;
    }

    public async Task<DeadLetter?> GetAsync(string letterId, CancellationToken cancellationToken)
    {
        var letters = await ReadFullAsync("d.letter_id = @id", letterId, 1, cancellationToken);
        return letters.Count == 0 ? null : letters[0];
    }

    public async Task<DeadLetter?> PreviewAsync(string letterId, int bodyBytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bodyBytes, 0);
        await using var connection = await OpenConnectionAsync(cancellationToken);
        // The body's first bytes only, and its whole size: the columns of LetterColumns.Full with the body cut.
        await using var command = connection.Command(
            $"SELECT {LetterColumns.Summary}, c.history, c.headers, substr(c.body, 1, @bytes), c.properties, {Dialect.BodyLength}(c.body) " +
            $"FROM {LetterColumns.FullFrom} WHERE d.letter_id = @id");
        command.Add("@id", letterId);
        command.Add("@bytes", bodyBytes);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        var letter = LetterColumns.ReadFull(reader);
        return letter with { Content = letter.LoadedContent with { BodyLength = reader.GetInt64(LetterColumns.FullCount) } };
    }

    public Task<IReadOnlyList<DeadLetter>> GetByMessageIdAsync(string messageId, int limit, CancellationToken cancellationToken) =>
        ReadFullAsync("d.message_id = @id", messageId, limit, cancellationToken);

    private async Task<IReadOnlyList<DeadLetter>> ReadFullAsync(string condition, string id, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command($"SELECT {LetterColumns.Full} FROM {LetterColumns.FullFrom} WHERE {condition} ORDER BY d.seq LIMIT @limit");
        command.Add("@id", id);
        command.Add("@limit", limit);
        var letters = new List<DeadLetter>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            letters.Add(LetterColumns.ReadFull(reader));
        return letters;
    }
}
