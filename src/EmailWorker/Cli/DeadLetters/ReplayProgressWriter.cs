using EmailWorker.DeadLetters.Replay;

namespace EmailWorker.Cli.DeadLetters;

/// <summary>
/// A replay's progress as lines on <paramref name="output"/> (standard error): written at once, on the runner's thread, so
/// every line is out before the command's result (unlike <see cref="Progress{T}"/>, which posts each report for later).
/// </summary>
internal sealed class ReplayProgressWriter(TextWriter output) : IProgress<ReplayProgress>
{
    public void Report(ReplayProgress value) => output.WriteLine(value switch
    {
        ReplayProgress.Advanced a => $"replayed {a.Replayed}/{a.Total} (job {a.JobId}, {a.Skipped} skipped)",
        ReplayProgress.EventsNotPublished refused => $"emailworker: warning: email.replayed events not published ({refused.Reason}); the replay goes on",
        _ => throw new ArgumentOutOfRangeException(nameof(value), value, "unknown replay progress"),
    });
}
