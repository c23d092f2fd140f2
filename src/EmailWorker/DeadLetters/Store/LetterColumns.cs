using System.Data.Common;
using System.Text.Json;

namespace EmailWorker.DeadLetters.Store;

/// <summary>The columns a summary or a full letter is read from, in the order <see cref="ReadSummary"/> and <see cref="ReadFull"/> expect.</summary>
internal static class LetterColumns
{
    public const string Summary =
        "d.seq, d.letter_id, d.message_id, d.class, d.reason, d.smtp_code, d.enhanced_code, d.attempts, d.first_failure_at, " +
        "d.last_failure_at, d.recipients, d.group_key, d.stored_at, d.replayed_at, d.replayed_by, d.purged_at, d.purged_by, d.edited_at, d.edited_by";

    public const string Full = Summary + ", c.history, c.headers, c.body, c.properties";

    /// <summary>What <see cref="Full"/> is read from: a letter's row and its content (kept apart, see <c>StoreSchema</c>).</summary>
    public const string FullFrom = "dead_letters d JOIN dead_letter_contents c ON c.seq = d.seq";

    private const int SummaryCount = 19;

    /// <summary>How many columns <see cref="Full"/> names.</summary>
    public const int FullCount = SummaryCount + 4;

    /// <summary>A letter's summary, without its content.</summary>
    public static DeadLetter ReadSummary(DbDataReader reader, int first = 0) => new(
        reader.GetInt64(first),
        reader.GetString(first + 1),
        reader.GetString(first + 2),
        new LetterFailure(
            reader.GetString(first + 3),
            reader.GetString(first + 4),
            reader.IsDBNull(first + 5) ? null : reader.GetInt32(first + 5),
            reader.NullableString(first + 6),
            reader.GetInt32(first + 7),
            reader.Time(first + 8),
            reader.Time(first + 9)),
        JsonSerializer.Deserialize(reader.GetString(first + 10), DeadLetterJsonContext.Default.StringArray) ?? [],
        reader.GetString(first + 11),
        reader.Time(first + 12),
        Mark(reader, first + 13),
        Mark(reader, first + 15),
        Edited: Mark(reader, first + 17));

    /// <summary>A letter with its content (the body as the query read it: whole, unless it cut it for display).</summary>
    public static DeadLetter ReadFull(DbDataReader reader, int first = 0) => ReadSummary(reader, first) with
    {
        Content = new LetterContent(
            reader.GetString(first + SummaryCount),
            reader.GetString(first + SummaryCount + 1),
            (byte[])reader.GetValue(first + SummaryCount + 2),
            reader.IsDBNull(first + SummaryCount + 3) ? null
                : JsonSerializer.Deserialize(reader.GetString(first + SummaryCount + 3), DeadLetterJsonContext.Default.LetterProperties)),
    };

    private static LetterMark? Mark(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : new LetterMark(reader.Time(ordinal), reader.GetString(ordinal + 1));
}
