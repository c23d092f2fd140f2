using EmailWorker.Diagnostics;

namespace EmailWorker.Cli;

/// <summary>A plain-text table for terminals: columns padded to their widest cell, long cells cut with an ellipsis.</summary>
internal sealed class TextTable(params string[] headings)
{
    private const int MaxCell = 48;
    private readonly List<string[]> _rows = [];

    public void Add(params string[] cells) => _rows.Add([.. cells.Select(Cut)]);

    public void WriteTo(TextWriter output)
    {
        var widths = headings.Select((heading, i) => _rows.Select(r => r[i].Length).Append(heading.Length).Max()).ToArray();
        output.WriteLine(Line(headings, widths));
        foreach (var row in _rows)
            output.WriteLine(Line(row, widths));
    }

    private static string Line(string[] cells, int[] widths) => string.Join("  ", cells.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd();

    // Cells carry text from producers and relays: control characters (escape sequences, line breaks) are escaped.
    private static string Cut(string cell) => SafeText.Bound(cell.ReplaceLineEndings(" "), MaxCell - 1);
}
