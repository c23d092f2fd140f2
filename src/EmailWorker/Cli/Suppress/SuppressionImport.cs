using EmailWorker.Delivery.Suppression;
using EmailWorker.Diagnostics;

namespace EmailWorker.Cli.Suppress;

/// <summary>
/// Imports a file all or nothing as far as its content goes: a first reading checks every entry with the rules of
/// <c>suppress add</c> and, if any is wrong, writes nothing and reports the lines; a second reading adds the entries in
/// transactions of <see cref="BatchSize"/>. An entry already listed is left as it was (as with <c>add</c>), so running an
/// import again after a failure of the database half-way adds only what is missing. Neither reading keeps more than one batch.
/// </summary>
internal static class SuppressionImport
{
    public const int BatchSize = 1000;
    public const int ProblemsShown = 20;

    /// <summary>
    /// <paramref name="open"/> opens the file from its start (called twice); <paramref name="actor"/> is who, for the entries
    /// that do not say (<c>--by</c>, or the user), and <paramref name="now"/> when, for those without a time.
    /// </summary>
    public static async Task<SuppressionImportResult> RunAsync(ISuppressionStore list, Func<Stream> open, SuppressionFileFormat format, DateTimeOffset now,
        string actor, CancellationToken token)
    {
        var problems = new List<string>();
        var problemCount = 0L;
        var rows = 0L;
        await using (var input = open())
        {
            foreach (var (line, entry, problem) in Entries(input, format, now, actor))
            {
                token.ThrowIfCancellationRequested();
                rows++;
                if (problem is null)
                    continue;
                if (++problemCount <= ProblemsShown)
                    problems.Add($"line {line}: {SafeText.Bound(problem, 300)}");
            }
        }
        if (problemCount > 0)
            return new SuppressionImportResult(rows, 0, problems, problemCount);

        var added = 0L;
        var batch = new List<SuppressionEntry>(BatchSize);
        await using (var input = open())
        {
            foreach (var (line, entry, problem) in Entries(input, format, now, actor))
            {
                if (problem is not null)
                    throw new OperatorException($"the file changed while it was imported (line {line}: {SafeText.Bound(problem, 200)}); {added} entries were added before it");
                batch.Add(entry!);
                if (batch.Count == BatchSize)
                {
                    added += await list.AddSuppressionsAsync(batch, token);
                    batch.Clear();
                }
            }
            added += await list.AddSuppressionsAsync(batch, token);
        }
        return new SuppressionImportResult(rows, added, [], 0);
    }

    private static IEnumerable<(long Line, SuppressionEntry? Entry, string? Problem)> Entries(Stream input, SuppressionFileFormat format, DateTimeOffset now, string actor)
    {
        var rows = format == SuppressionFileFormat.Csv
            ? SuppressionCsv.Read(new StreamReader(input, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024, leaveOpen: true))
            : SuppressionJson.Read(input);
        foreach (var row in rows)
        {
            if (row.Fields is null)
            {
                yield return (row.Line, null, row.Problem);
                continue;
            }
            var entry = row.Fields.ToEntry(now, actor, out var problem);
            yield return (row.Line, entry, problem);
        }
    }
}
