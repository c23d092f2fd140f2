using System.Text;
using EmailWorker.Diagnostics;

namespace EmailWorker.Cli;

/// <summary>
/// Standard output and error of every operator command: whatever a command writes, a character that could drive the
/// terminal (<see cref="SafeText.IsUnsafe"/>: ESC, BEL, CSI, the bidi overrides…) is written escaped as \uXXXX; only the
/// line feed passes. The commands also escape each field from outside (a line break in a subject would otherwise start a
/// forged line); this writer is the guarantee that no field a command forgot reaches the terminal raw.
/// </summary>
internal sealed class TerminalWriter(TextWriter inner) : TextWriter
{
    public override Encoding Encoding => inner.Encoding;

    public override IFormatProvider FormatProvider => inner.FormatProvider;

    /// <summary>Replaces the console's writers for the rest of the process (once: a second call finds them wrapped).</summary>
    public static void Install()
    {
        if (Console.Out is not TerminalWriter)
            Console.SetOut(new TerminalWriter(Console.Out));
        if (Console.Error is not TerminalWriter)
            Console.SetError(new TerminalWriter(Console.Error));
    }

    public override void Write(char value)
    {
        if (value != '\n' && SafeText.IsUnsafe(value))
            inner.Write(Escaped(value.ToString()));
        else
            inner.Write(value);
    }

    public override void Write(string? value) => inner.Write(Escaped(value));

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void WriteLine(string? value) => inner.WriteLine(Escaped(value));

    public override void Flush() => inner.Flush();

    private static string? Escaped(string? text)
    {
        if (text is null || !text.Any(c => c != '\n' && SafeText.IsUnsafe(c)))
            return text;
        var builder = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (c != '\n' && SafeText.IsUnsafe(c))
                SafeText.AppendEscaped(builder, c);
            else
                builder.Append(c);
        }
        return builder.ToString();
    }
}
