using EmailWorker.DeadLetters.Replay;

namespace EmailWorker.Cli.DeadLetters;

/// <summary>
/// A replay's progress as lines on <paramref name="output"/> (standard error): written at once, on the runner's thread, so
/// every line is out before the command's result (unlike <see cref="Progress{T}"/>, which posts each report for later).
/// </summary>
internal sealed class ReplayProgressWriter(TextWriter output) : IProgress<ReplayProgress>
{
    public void Report(ReplayProgress value) =>
        output.WriteLine($"replayed {value.Replayed}/{value.Total} (job {value.JobId}, {value.Skipped} skipped)");
}
