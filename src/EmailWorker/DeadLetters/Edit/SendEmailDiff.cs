using EmailWorker.Contracts;

namespace EmailWorker.DeadLetters.Edit;

/// <summary>
/// What an edit changes, field by field: the editable fields (recipients, subject, custom headers, text and HTML bodies).
/// A body's difference is the changed run of lines between the common start and end (linear, however long the body),
/// at most <see cref="MaxLinesPerSide"/> lines a side; unchanged fields are left out.
/// </summary>
internal static class SendEmailDiff
{
    public const int MaxLinesPerSide = 200;

    /// <summary>Lines longer than this are cut for display (the edit itself is kept whole).</summary>
    public const int MaxLineLength = 1000;

    public static IReadOnlyList<DiffLine> Between(SendEmail before, SendEmail after)
    {
        var lines = new List<DiffLine>();
        Field(lines, "to", Addresses(before.To), Addresses(after.To));
        Field(lines, "cc", Addresses(before.Cc), Addresses(after.Cc));
        Field(lines, "bcc", Addresses(before.Bcc), Addresses(after.Bcc));
        Field(lines, "subject", before.Subject, after.Subject);
        foreach (var name in before.Headers.Keys.Union(after.Headers.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal))
            Field(lines, $"headers.{name}", before.Headers.GetValueOrDefault(name), after.Headers.GetValueOrDefault(name));
        Body(lines, "text", before.Text, after.Text);
        Body(lines, "html", before.Html, after.Html);
        return lines;
    }

    private static string? Addresses(IReadOnlyList<EmailAddress> addresses) =>
        addresses.Count == 0 ? null : string.Join(", ", addresses.Select(a => a.Name is { Length: > 0 } name ? $"{name} <{a.Address}>" : a.Address));

    private static void Field(List<DiffLine> lines, string field, string? before, string? after)
    {
        if (string.Equals(before, after, StringComparison.Ordinal))
            return;
        if (before is not null)
            lines.Add(new DiffLine(field, DiffLine.Removed, Cut(before)));
        if (after is not null)
            lines.Add(new DiffLine(field, DiffLine.Added, Cut(after)));
    }

    private static void Body(List<DiffLine> lines, string field, string? before, string? after)
    {
        if (string.Equals(before, after, StringComparison.Ordinal))
            return;
        var old = Lines(before);
        var now = Lines(after);
        var start = 0;
        while (start < old.Length && start < now.Length && old[start] == now[start])
            start++;
        var end = 0;
        while (end < old.Length - start && end < now.Length - start && old[^(end + 1)] == now[^(end + 1)])
            end++;
        if (start > 0)
            lines.Add(new DiffLine(field, DiffLine.Note, $"{start} line(s) unchanged before"));
        Side(lines, field, DiffLine.Removed, old[start..^end]);
        Side(lines, field, DiffLine.Added, now[start..^end]);
        if (end > 0)
            lines.Add(new DiffLine(field, DiffLine.Note, $"{end} line(s) unchanged after"));
    }

    private static void Side(List<DiffLine> lines, string field, char kind, string[] changed)
    {
        lines.AddRange(changed.Take(MaxLinesPerSide).Select(line => new DiffLine(field, kind, Cut(line))));
        if (changed.Length > MaxLinesPerSide)
            lines.Add(new DiffLine(field, DiffLine.Note, $"{changed.Length - MaxLinesPerSide} more line(s) {(kind == DiffLine.Removed ? "removed" : "added")}"));
    }

    private static string[] Lines(string? text) => text is null ? [] : text.ReplaceLineEndings("\n").Split('\n');

    private static string Cut(string text) => text.Length <= MaxLineLength ? text : string.Concat(text.AsSpan(0, MaxLineLength), "…");
}
