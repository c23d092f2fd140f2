using System.Text;
using EmailWorker.Diagnostics;

namespace EmailWorker.Cli.Suppress;

/// <summary>
/// The CSV form of the list (RFC 4180): a header line naming the columns (<see cref="SuppressionFields.Names"/>, any order,
/// only <c>address</c> required), then one entry a line; a field with a comma or a quote is quoted, a quote inside doubled.
/// No field may hold a line break (no entry's field may hold a control character), so a record is one line. Read a line at
/// a time, never more than <see cref="MaxLineLength"/> characters of it.
/// </summary>
internal static class SuppressionCsv
{
    /// <summary>Six fields at their longest (an address of 256, a messageId of 200, an author of 100…) fit with room to spare.</summary>
    public const int MaxLineLength = 4096;

    public static IEnumerable<SuppressionFileRow> Read(TextReader input)
    {
        var lines = new BoundedLineReader(input, MaxLineLength);
        string[]? header = null;
        while (lines.Next() is { } line)
        {
            if (line.TooLong)
            {
                yield return new SuppressionFileRow(line.Number, null, $"longer than {MaxLineLength} characters");
                if (header is null)
                    yield break;
                continue;
            }
            if (line.Text.Trim().Length == 0)
                continue;
            var fields = Fields(line.Text, out var problem);
            if (header is null)
            {
                if (fields is not null)
                    problem = HeaderProblem(fields);
                if (problem is not null)
                {
                    yield return new SuppressionFileRow(line.Number, null, $"the header: {problem}");
                    yield break;
                }
                header = [.. fields!.Select(f => f.Trim())];
                continue;
            }
            if (fields is not null && fields.Count != header.Length)
                problem = $"{fields.Count} fields where the header names {header.Length}";
            yield return problem is not null
                ? new SuppressionFileRow(line.Number, null, problem)
                : new SuppressionFileRow(line.Number, SuppressionFields.FromNamed(header.Zip(fields!).ToDictionary(p => p.First, p => (string?)p.Second)), null);
        }
        if (header is null)
            yield return new SuppressionFileRow(lines.Count + 1, null, $"no header line (write {string.Join(',', SuppressionFields.Names)})");
    }

    public static async Task WriteHeaderAsync(TextWriter output) =>
        await output.WriteAsync(string.Join(',', SuppressionFields.Names) + "\n");

    public static async Task WriteAsync(TextWriter output, IReadOnlyList<string?> values)
    {
        var line = new StringBuilder();
        foreach (var value in values)
        {
            if (line.Length > 0)
                line.Append(',');
            var text = value ?? "";
            if (text.Contains(',') || text.Contains('"') || text.Length != text.Trim().Length)
                line.Append('"').Append(text.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            else
                line.Append(text);
        }
        await output.WriteAsync(line.Append('\n').ToString());
    }

    private static string? HeaderProblem(List<string> names)
    {
        var unknown = names.Select(n => n.Trim()).FirstOrDefault(n => !SuppressionFields.Names.Contains(n, StringComparer.OrdinalIgnoreCase));
        if (unknown is not null)
            return $"'{SafeText.Bound(unknown, 40)}' is not a column (the columns are {string.Join(',', SuppressionFields.Names)})";
        if (names.Select(n => n.Trim().ToLowerInvariant()).Distinct().Count() != names.Count)
            return "a column is named twice";
        return names.Any(n => n.Trim().Equals("address", StringComparison.OrdinalIgnoreCase)) ? null : "no address column";
    }

    /// <summary>The fields of one line; null and the problem when a quote is not closed or text follows a closing quote.</summary>
    private static List<string>? Fields(string line, out string? problem)
    {
        problem = null;
        var fields = new List<string>();
        var field = new StringBuilder();
        var i = 0;
        while (true)
        {
            field.Clear();
            if (i < line.Length && line[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= line.Length)
                    {
                        problem = "a quoted field is not closed";
                        return null;
                    }
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            field.Append('"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    field.Append(line[i++]);
                }
                if (i < line.Length && line[i] != ',')
                {
                    problem = $"text after a quoted field's closing quote (column {i + 1})";
                    return null;
                }
            }
            else
            {
                while (i < line.Length && line[i] != ',')
                    field.Append(line[i++]);
            }
            fields.Add(field.ToString());
            if (i >= line.Length)
                return fields;
            i++; // the comma
        }
    }
}
