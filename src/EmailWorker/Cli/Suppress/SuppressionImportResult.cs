namespace EmailWorker.Cli.Suppress;

/// <summary>
/// What an import did: <see cref="Rows"/> entries read, <see cref="Added"/> of them new (the others were listed already, or
/// repeated in the file). With <see cref="Problems"/> (the first <see cref="SuppressionImport.ProblemsShown"/>, each with its
/// line; <see cref="ProblemCount"/> in all) nothing was written.
/// </summary>
internal sealed record SuppressionImportResult(long Rows, long Added, IReadOnlyList<string> Problems, long ProblemCount)
{
    public bool Imported => ProblemCount == 0;
}
