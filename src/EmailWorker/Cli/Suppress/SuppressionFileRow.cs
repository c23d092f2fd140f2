namespace EmailWorker.Cli.Suppress;

/// <summary>
/// What a file reader gives for one entry: its fields, or the problem with it (a line too long, bad quoting, a field
/// that is not text). <paramref name="Line"/> is where the entry starts (1 is the first line). A reader that cannot go on
/// (no header, broken JSON) gives its problem as its last row.
/// </summary>
internal sealed record SuppressionFileRow(long Line, SuppressionFields? Fields, string? Problem);
