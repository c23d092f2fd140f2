using EmailWorker.DeadLetters.Edit;

namespace EmailWorker.Dashboard;

/// <summary>An edit's difference as a table: each removed line on red, each added one on green, every text encoded.</summary>
internal static class EditDiffView
{
    public static Html Render(IReadOnlyList<DiffLine> diff) => Html.Of($"""
        <table class="diff"><tr><th>Field</th><th></th><th>Line</th></tr>
        {Html.Join(diff.Select(Line))}</table>
        """);

    private static Html Line(DiffLine line)
    {
        var kind = line.Kind switch { DiffLine.Removed => "removed", DiffLine.Added => "added", _ => "note" };
        return Html.Of($"<tr class=\"{kind}\"><td>{line.Field}</td><td>{line.Kind.ToString()}</td><td>{line.Text}</td></tr>");
    }
}
