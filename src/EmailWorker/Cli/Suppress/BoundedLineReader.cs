using System.Text;

namespace EmailWorker.Cli.Suppress;

/// <summary>
/// Lines of a text, each kept only up to a length: a longer line is reported as too long and skipped to its end, so a file
/// without line breaks never fills the memory. Ends of line are <c>\n</c> or <c>\r\n</c>.
/// </summary>
internal sealed class BoundedLineReader(TextReader input, int maxLength)
{
    private readonly StringBuilder _line = new();

    /// <summary>How many lines were read.</summary>
    public long Count { get; private set; }

    public Line? Next()
    {
        _line.Clear();
        var tooLong = false;
        int c;
        while ((c = input.Read()) >= 0 && c != '\n')
        {
            if (_line.Length < maxLength + 1)
                _line.Append((char)c);
            else
                tooLong = true;
        }
        if (c < 0 && _line.Length == 0 && !tooLong)
            return null;
        Count++;
        if (_line.Length > 0 && _line[^1] == '\r')
            _line.Length--;
        return new Line(Count, tooLong || _line.Length > maxLength ? "" : _line.ToString(), tooLong || _line.Length > maxLength);
    }

    public readonly record struct Line(long Number, string Text, bool TooLong);
}
