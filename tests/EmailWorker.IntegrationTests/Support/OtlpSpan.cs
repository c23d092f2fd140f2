using System.Text;

namespace EmailWorker.IntegrationTests.Support;

/// <summary>
/// One span from an OTLP <c>ExportTraceServiceRequest</c>, read with a minimal protobuf walker (the fields used here:
/// ResourceSpans.scope_spans=2 → ScopeSpans.scope=1 (name=1), spans=2 → Span trace_id=1, span_id=2, parent_span_id=4,
/// name=5, events=11 (name=2)).
/// </summary>
public sealed record OtlpSpan(string Scope, string TraceId, string SpanId, string ParentSpanId, string Name, IReadOnlyList<string> Events)
{
    public static IEnumerable<OtlpSpan> ReadExportRequest(byte[] request)
    {
        foreach (var resourceSpans in Fields(request).Where(f => f.Number == 1))
        {
            foreach (var scopeSpans in Fields(resourceSpans.Bytes).Where(f => f.Number == 2))
            {
                var scopeFields = Fields(scopeSpans.Bytes).ToList();
                var scope = scopeFields.Where(f => f.Number == 1).Select(f => Text(Fields(f.Bytes), 1)).FirstOrDefault() ?? "";
                foreach (var span in scopeFields.Where(f => f.Number == 2))
                {
                    var fields = Fields(span.Bytes).ToList();
                    yield return new OtlpSpan(scope, Hex(fields, 1), Hex(fields, 2), Hex(fields, 4), Text(fields, 5) ?? "",
                        [.. fields.Where(f => f.Number == 11).Select(f => Text(Fields(f.Bytes), 2) ?? "")]);
                }
            }
        }
    }

    private static string Hex(IEnumerable<Field> fields, int number) =>
        fields.FirstOrDefault(f => f.Number == number) is { } field ? Convert.ToHexStringLower(field.Bytes) : "";

    private static string? Text(IEnumerable<Field> fields, int number) =>
        fields.FirstOrDefault(f => f.Number == number) is { } field ? Encoding.UTF8.GetString(field.Bytes) : null;

    private sealed record Field(int Number, byte[] Bytes);

    /// <summary>The length-delimited fields of a message; varint and fixed fields are skipped.</summary>
    private static IEnumerable<Field> Fields(byte[] message)
    {
        var position = 0;
        while (position < message.Length)
        {
            var key = Varint(message, ref position);
            var number = (int)(key >> 3);
            switch ((int)(key & 7))
            {
                case 0:
                    Varint(message, ref position);
                    break;
                case 1:
                    position += 8;
                    break;
                case 5:
                    position += 4;
                    break;
                case 2:
                    var length = (int)Varint(message, ref position);
                    yield return new Field(number, message[position..(position + length)]);
                    position += length;
                    break;
                default:
                    throw new FormatException($"unexpected protobuf wire type {key & 7}");
            }
        }
    }

    private static ulong Varint(byte[] message, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = message[position++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
                return value;
        }
    }
}
