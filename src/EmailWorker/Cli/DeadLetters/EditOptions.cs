using System.CommandLine;
using System.Text;
using EmailWorker.Contracts;
using EmailWorker.DeadLetters.Edit;
using EmailWorker.DeadLetters.Views;
using EmailWorker.Diagnostics;

namespace EmailWorker.Cli.DeadLetters;

/// <summary>
/// The changes <c>dlq edit</c> takes: fields to set (<c>--set-to</c> and the like, <c>--header X-Name=value</c>, an empty
/// value removing the header), bodies from files, or the whole edited <c>SendEmail</c> from a JSON file. Files are read
/// up to the largest message the worker takes, and no further.
/// </summary>
internal sealed class EditOptions
{
    private readonly Option<string?> _to = new("--set-to") { Description = "The new to: addresses separated by commas" };
    private readonly Option<string?> _cc = new("--set-cc") { Description = "The new cc: addresses separated by commas (empty: none)" };
    private readonly Option<string?> _bcc = new("--set-bcc") { Description = "The new bcc: addresses separated by commas (empty: none)" };
    private readonly Option<string?> _subject = new("--set-subject") { Description = "The new subject" };
    private readonly Option<FileInfo?> _text = new("--text-file") { Description = "The new text body, from a UTF-8 file (empty file: no text body)" };
    private readonly Option<FileInfo?> _html = new("--html-file") { Description = "The new HTML body, from a UTF-8 file (empty file: no HTML body)" };
    private readonly Option<string[]> _headers = new("--header") { Description = "Set a custom header, X-Name=value; X-Name= removes it (repeatable)" };
    private readonly Option<FileInfo?> _fromFile = new("--from-file") { Description = "The whole edited SendEmail as JSON (its messageId unchanged); no other change option with it" };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _to, _cc, _bcc, _subject, _text, _html, _headers, _fromFile })
            command.Options.Add(option);
    }

    /// <summary>The edited command: the original with the changes given, or the file's.</summary>
    public async Task<SendEmail> EditedAsync(ParseResult parse, SendEmail original, int maxBytes, CancellationToken cancellationToken)
    {
        var headers = parse.GetValue(_headers) ?? [];
        var changes = new LetterChanges
        {
            To = Addresses(parse.GetValue(_to)),
            Cc = Addresses(parse.GetValue(_cc)),
            Bcc = Addresses(parse.GetValue(_bcc)),
            Subject = parse.GetValue(_subject),
            Text = parse.GetValue(_text) is { } text ? await ReadAsync(text, maxBytes, cancellationToken) : null,
            Html = parse.GetValue(_html) is { } html ? await ReadAsync(html, maxBytes, cancellationToken) : null,
            Headers = headers.Length == 0 ? null : WithHeaders(original.Headers, headers),
        };
        if (parse.GetValue(_fromFile) is not { } file)
            return changes == new LetterChanges() ? throw new OperatorException("nothing to change: give --set-…, --text-file, --html-file, --header or --from-file", ExitCodes.Usage)
                : changes.ApplyTo(original);
        if (changes != new LetterChanges())
            throw new OperatorException("--from-file is the whole edited message: give no other change with it", ExitCodes.Usage);
        return ContentReader.Command(Encoding.UTF8.GetBytes(await ReadAsync(file, maxBytes, cancellationToken)))
            ?? throw new OperatorException($"{SafeText.Bound(file.Name, 200)} is not a SendEmail in JSON", ExitCodes.Usage);
    }

    private static EmailAddress[]? Addresses(string? list) => list?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(address => new EmailAddress { Address = address }).ToArray();

    private static Dictionary<string, string> WithHeaders(IReadOnlyDictionary<string, string> original, string[] changes)
    {
        var headers = new Dictionary<string, string>(original, StringComparer.Ordinal);
        foreach (var change in changes)
        {
            var equals = change.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
                throw new OperatorException($"--header '{SafeText.Bound(change, 200)}' is not X-Name=value", ExitCodes.Usage);
            var (name, value) = (change[..equals].Trim(), change[(equals + 1)..]);
            // The same name in another case is the same header in the mail: the change replaces it.
            foreach (var same in headers.Keys.Where(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase)).ToList())
                headers.Remove(same);
            if (value.Length > 0)
                headers[name] = value;
        }
        return headers;
    }

    private static async Task<string> ReadAsync(FileInfo file, int maxBytes, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = file.OpenRead();
            var buffer = new byte[(int)Math.Min(stream.Length, (long)maxBytes + 1)];
            var read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
            if (read > maxBytes || stream.Length > maxBytes)
                throw new OperatorException($"{SafeText.Bound(file.Name, 200)} is over {maxBytes} bytes, the largest message the worker takes", ExitCodes.Usage);
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer, 0, read);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or DecoderFallbackException)
        {
            throw new OperatorException($"{SafeText.Bound(file.Name, 200)} cannot be read as UTF-8 text: {SafeText.Bound(ex.Message, 300)}", ExitCodes.Usage);
        }
    }
}
