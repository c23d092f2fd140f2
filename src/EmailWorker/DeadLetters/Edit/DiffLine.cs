namespace EmailWorker.DeadLetters.Edit;

/// <summary>
/// One line of an edit's difference: the field, whether the line was removed (<c>-</c>), added (<c>+</c>) or is a note
/// (<c>~</c>: lines left out of a long difference), and its text as it is (escaped by whoever shows it).
/// </summary>
internal sealed record DiffLine(string Field, char Kind, string Text)
{
    public const char Removed = '-';
    public const char Added = '+';
    public const char Note = '~';
}
