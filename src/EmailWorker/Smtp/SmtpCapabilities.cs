using System.Globalization;

namespace EmailWorker.Smtp;

/// <summary>The service extensions a relay named in its EHLO reply (RFC 5321 §4.1.1.1), the ones this client uses.</summary>
internal sealed record SmtpCapabilities
{
    /// <summary>A relay that only answered HELO: no extension at all.</summary>
    public static readonly SmtpCapabilities None = new();

    /// <summary>RFC 2920: commands may be sent in one flight and their replies read back in order.</summary>
    public bool Pipelining { get; init; }

    /// <summary>RFC 3030: <c>BDAT &lt;size&gt; LAST</c> carries the body with its size, no 354 wait, no dot-stuffing.</summary>
    public bool Chunking { get; init; }

    public bool EightBitMime { get; init; }

    public bool SmtpUtf8 { get; init; }

    public bool StartTls { get; init; }

    /// <summary>RFC 1870: the relay takes the message's size in MAIL FROM; 0 when it names no limit.</summary>
    public long? MaxSize { get; init; }

    /// <summary>The SASL mechanisms of the AUTH line, upper case.</summary>
    public IReadOnlySet<string> AuthMechanisms { get; init; } = new HashSet<string>();

    /// <summary>Reads the keywords of an EHLO reply's text (its first line is the relay's name and greeting).</summary>
    public static SmtpCapabilities Parse(string ehloText)
    {
        var capabilities = new SmtpCapabilities();
        var mechanisms = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in ehloText.Split('\n').Skip(1))
        {
            var words = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0)
                continue;
            var keyword = words[0].ToUpperInvariant();
            capabilities = keyword switch
            {
                "PIPELINING" => capabilities with { Pipelining = true },
                "CHUNKING" => capabilities with { Chunking = true },
                "8BITMIME" => capabilities with { EightBitMime = true },
                "SMTPUTF8" => capabilities with { SmtpUtf8 = true },
                "STARTTLS" => capabilities with { StartTls = true },
                "SIZE" => capabilities with
                {
                    MaxSize = words.Length > 1 && long.TryParse(words[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size) ? size : 0,
                },
                _ => capabilities,
            };
            // "AUTH PLAIN LOGIN", or the pre-standard "AUTH=PLAIN LOGIN" some relays still add.
            if (keyword == "AUTH" || keyword.StartsWith("AUTH=", StringComparison.Ordinal))
            {
                var list = keyword == "AUTH" ? words.Skip(1) : [keyword[5..], .. words.Skip(1)];
                foreach (var mechanism in list.Where(m => m.Length > 0))
                    mechanisms.Add(mechanism.ToUpperInvariant());
            }
        }
        return capabilities with { AuthMechanisms = mechanisms };
    }
}
