using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;


namespace EmailWorker.Dashboard;

/// <summary>
/// Markup that is safe to send: made only by <see cref="Of"/>, whose interpolated holes are HTML-encoded unless they are
/// <see cref="Html"/> already. Every page is built this way, so text from outside (reasons, headers, bodies, names) is
/// escaped by default and the one encoder is <see cref="HtmlBuilder"/>'s.
/// </summary>
internal readonly struct Html
{
    private Html(string text) => Text = text ?? "";

    public string Text { get; }

    public static Html Empty { get; } = new("");

    public static Html Of(ref HtmlBuilder builder) => new(builder.Build());

    /// <summary>Markup written in this code base (never text from outside): the stylesheet, fixed fragments.</summary>
    public static Html Trusted(string markup) => new(markup);

    public static Html Join(IEnumerable<Html> parts) => new(string.Concat(parts.Select(p => p.Text)));

    public static Html When(bool condition, Html html) => condition ? html : Empty;

    public override string ToString() => Text;
}

/// <summary>Builds <see cref="Html"/> from an interpolated string: literals as written, every hole encoded.</summary>
[InterpolatedStringHandler]
internal readonly ref struct HtmlBuilder
{
    private readonly StringBuilder _text;

    public HtmlBuilder(int literalLength, int formattedCount) => _text = new StringBuilder(literalLength + formattedCount * 16);

    public void AppendLiteral(string literal) => _text.Append(literal);

    public void AppendFormatted(Html html) => _text.Append(html.Text);

    public void AppendFormatted(string? text) => _text.Append(HtmlEncoder.Default.Encode(text ?? ""));

    public void AppendFormatted<T>(T value) => AppendFormatted(value, null);

    public void AppendFormatted<T>(T value, string? format) =>
        AppendFormatted(value switch
        {
            null => "",
            IFormattable formattable => formattable.ToString(format, CultureInfo.InvariantCulture),
            _ => value.ToString(),
        });

    public string Build() => _text.ToString();
}
