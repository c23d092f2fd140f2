namespace EmailWorker.Delivery;

/// <summary>The worker stopped for good during an SMTP attempt (after its drain time ran out) and cut the attempt short.</summary>
internal sealed class AttemptInterruptedException(bool afterBodyStarted, Exception inner)
    : Exception("the worker stopped during the SMTP attempt", inner)
{
    /// <summary>The body was on its way: the relay may have the mail.</summary>
    public bool AfterBodyStarted { get; } = afterBodyStarted;
}
