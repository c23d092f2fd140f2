using System.Globalization;
using System.Text;
using EmailWorker.Diagnostics;

namespace EmailWorker.Tests;

/// <summary>
/// A body escaped for a terminal or a page (<c>dlq show --raw</c>, the dashboard's raw view) must show every byte, drive
/// nothing, and read back to the exact bytes.
/// </summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class RawBytesTests
{
    [Test]
    public void Should_escape_controls_bidi_overrides_and_bytes_that_are_not_utf8()
    {
        byte[] body = [.. Encoding.UTF8.GetBytes("a\\b\r\n\u001b[2J\u202e\u2028\0é\U000E0001😀"), 0xff, 0xc3, (byte)'x', 0xe2, 0x82];
        Assert.That(RawBytes.Escape(body), Is.EqualTo(@"a\\b\r\n\u001b[2J\u202e\u2028\u0000é\U000e0001😀\xff\xc3x\xe2\x82"));
    }

    [Test]
    public void Should_break_the_line_after_each_line_feed_when_asked() =>
        Assert.That(RawBytes.Escape("one\ntwo\n"u8, breakLines: true), Is.EqualTo("one\\n\ntwo\\n\n"));

    [Test]
    public void Should_read_back_to_the_exact_bytes_and_hold_no_character_that_drives_a_terminal()
    {
        var random = new Random(25);
        var bodies = Enumerable.Range(0, 256).Select(b => new[] { (byte)b })
            .Concat(Enumerable.Range(0, 200).Select(_ => RandomBytes(random)))
            .Append(Encoding.UTF8.GetBytes("mixed \u0085 \u200f \ufeff text\t\\x41 \\u0041"));
        Assert.Multiple(() =>
        {
            foreach (var body in bodies)
            {
                var escaped = RawBytes.Escape(body, breakLines: true);
                Assert.That(Unescape(escaped), Is.EqualTo(body), escaped);
                Assert.That(escaped.Where(c => c != '\n' && (SafeText.IsUnsafe(c) || char.GetUnicodeCategory(c) == UnicodeCategory.Format)), Is.Empty, escaped);
            }
        });
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(1, 64)];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>The escaping read back as documented: \\ \n \r \t \uXXXX \UXXXXXXXX \xNN; the line breaks after \n are layout.</summary>
    private static byte[] Unescape(string escaped)
    {
        var bytes = new List<byte>();
        for (var i = 0; i < escaped.Length; i++)
        {
            var c = escaped[i];
            if (c == '\n')
                continue;
            if (c != '\\')
            {
                var length = char.IsHighSurrogate(c) ? 2 : 1;
                bytes.AddRange(Encoding.UTF8.GetBytes(escaped.Substring(i, length)));
                i += length - 1;
                continue;
            }
            var kind = escaped[++i];
            switch (kind)
            {
                case '\\': bytes.Add((byte)'\\'); break;
                case 'n': bytes.Add((byte)'\n'); break;
                case 'r': bytes.Add((byte)'\r'); break;
                case 't': bytes.Add((byte)'\t'); break;
                case 'x':
                    bytes.Add(byte.Parse(escaped.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    i += 2;
                    break;
                default:
                    var digits = kind == 'u' ? 4 : 8;
                    var rune = new Rune(int.Parse(escaped.AsSpan(i + 1, digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    bytes.AddRange(Encoding.UTF8.GetBytes(rune.ToString()));
                    i += digits;
                    break;
            }
        }
        return [.. bytes];
    }
}
