using EmailWorker.Contracts;
using EmailWorker.DeadLetters.Store;

namespace EmailWorker.DeadLetters.Edit;

/// <summary>
/// An edit checked and ready to show: the original and edited commands, the difference, and either the problems that
/// refuse it or <see cref="Letter"/>, the edited copy to store (see <see cref="IDeadLetterStore.EditAsync"/>).
/// </summary>
internal sealed record PreparedEdit(SendEmail Original, SendEmail Edited, IReadOnlyList<DiffLine> Diff, IReadOnlyList<string> Problems, IngestedLetter? Letter)
{
    public bool IsValid => Problems.Count == 0 && Letter is not null;
}
