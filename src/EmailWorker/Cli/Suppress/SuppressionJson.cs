using System.Text.Json;

namespace EmailWorker.Cli.Suppress;

/// <summary>
/// The JSON form of the list: one array of objects with the fields of <see cref="SuppressionFields.Names"/> (what
/// <c>suppress list --json</c> and <c>export --format json</c> write), strings or null. Read an object at a time from a
/// buffer of at most <see cref="MaxEntryBytes"/>: a larger object is refused, the file is never read whole.
/// </summary>
internal sealed class SuppressionJson
{
    public const int MaxEntryBytes = 16 * 1024;

    private readonly Stream _input;
    private readonly byte[] _buffer = new byte[MaxEntryBytes];
    private int _start;
    private int _end;
    private bool _final;
    private bool _inArray;
    private JsonReaderState _state;
    /// <summary>Lines before <see cref="_start"/>.</summary>
    private long _lines;

    private SuppressionJson(Stream input) => _input = input;

    public static IEnumerable<SuppressionFileRow> Read(Stream input)
    {
        var reader = new SuppressionJson(input);
        while (true)
        {
            var row = reader.Next(out var done);
            if (row is not null)
                yield return row;
            if (done)
                yield break;
        }
    }

    /// <summary>
    /// The next entry; <paramref name="done"/> at the array's end. Any problem ends the reading: after broken JSON there is no
    /// telling where the next entry starts.
    /// </summary>
    private SuppressionFileRow? Next(out bool done)
    {
        done = false;
        while (true)
        {
            var reader = new Utf8JsonReader(_buffer.AsSpan(_start, _end - _start), _final, _state);
            try
            {
                if (!_inArray)
                {
                    if (!reader.Read())
                    {
                        if (_final)
                            return Problem(LineAt(0), "the file is empty: write a JSON array, [] for none", out done);
                        Fill();
                        continue;
                    }
                    if (reader.TokenType != JsonTokenType.StartArray)
                        return Problem(LineAt(reader.TokenStartIndex), "the file is not a JSON array of entries", out done);
                    _inArray = true;
                    Advance(ref reader);
                    continue;
                }
                var probe = reader;
                if (!probe.Read() || (probe.TokenType == JsonTokenType.StartObject && !probe.TrySkip()))
                {
                    if (_final)
                        return Problem(LineAt(_end - _start), "the file ends inside the array", out done);
                    if (_start == 0 && _end == _buffer.Length)
                        return Problem(LineAt(0), $"an entry is longer than {MaxEntryBytes} bytes", out done);
                    Fill();
                    continue;
                }
                reader.Read();
                if (reader.TokenType == JsonTokenType.EndArray)
                {
                    done = true;
                    return null;
                }
                var line = LineAt(reader.TokenStartIndex);
                if (reader.TokenType != JsonTokenType.StartObject)
                    return Problem(line, "an entry is not a JSON object", out done);
                var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var name = reader.GetString()!;
                    reader.Read();
                    if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.Null))
                        return Problem(LineAt(reader.TokenStartIndex), $"'{Diagnostics.SafeText.Bound(name, 40)}' is not a string", out done);
                    if (!values.TryAdd(name, reader.GetString()))
                        return Problem(LineAt(reader.TokenStartIndex), $"'{Diagnostics.SafeText.Bound(name, 40)}' is given twice", out done);
                }
                Advance(ref reader);
                var fields = SuppressionFields.FromNamed(values);
                return fields is null
                    ? Problem(line, $"a field is not one of {string.Join(", ", SuppressionFields.Names)}", out done)
                    : new SuppressionFileRow(line, fields, null);
            }
            catch (JsonException ex)
            {
                return Problem((ex.LineNumber ?? _lines) + 1, $"not JSON ({ex.Message})", out done);
            }
        }
    }

    private static SuppressionFileRow Problem(long line, string problem, out bool done)
    {
        done = true;
        return new SuppressionFileRow(line, null, problem);
    }

    /// <summary>The line of a byte <paramref name="offset"/> from <see cref="_start"/>.</summary>
    private long LineAt(long offset) => _lines + 1 + _buffer.AsSpan(_start, (int)offset).Count((byte)'\n');

    private void Advance(ref Utf8JsonReader reader)
    {
        var consumed = (int)reader.BytesConsumed;
        _lines += _buffer.AsSpan(_start, consumed).Count((byte)'\n');
        _start += consumed;
        _state = reader.CurrentState;
    }

    /// <summary>Moves what is left to the buffer's start and reads more after it.</summary>
    private void Fill()
    {
        _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
        (_end, _start) = (_end - _start, 0);
        while (_end < _buffer.Length)
        {
            var read = _input.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0)
            {
                _final = true;
                break;
            }
            _end += read;
        }
    }
}
