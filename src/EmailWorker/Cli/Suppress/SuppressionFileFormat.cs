namespace EmailWorker.Cli.Suppress;

/// <summary>The two file formats of <c>suppress import</c> and <c>export</c>: CSV with a header line, or one JSON array of objects.</summary>
internal enum SuppressionFileFormat
{
    Csv,
    Json,
}

/// <summary>The <c>--format</c> option's value, or the file's extension when it is not given (CSV unless the name ends in <c>.json</c>).</summary>
internal static class SuppressionFileFormats
{
    public static SuppressionFileFormat Of(string? option, string? path) => option?.Trim().ToLowerInvariant() switch
    {
        null or "" => path?.EndsWith(".json", StringComparison.OrdinalIgnoreCase) == true ? SuppressionFileFormat.Json : SuppressionFileFormat.Csv,
        "csv" => SuppressionFileFormat.Csv,
        "json" => SuppressionFileFormat.Json,
        _ => throw SuppressionInput.Usage("--format is csv or json"),
    };
}
