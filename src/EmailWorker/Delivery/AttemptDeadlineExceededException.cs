namespace EmailWorker.Delivery;

/// <summary>One SMTP attempt ran past its overall deadline (a relay that trickles bytes), on top of the timeout of each round trip (<c>Smtp:Timeout</c>).</summary>
internal sealed class AttemptDeadlineExceededException(TimeSpan deadline, bool afterBodyStarted)
    : Exception($"the SMTP attempt did not finish within {deadline.TotalSeconds:0.#} s")
{
    /// <summary>The body was on its way when the deadline passed: the relay may have the mail.</summary>
    public bool AfterBodyStarted { get; } = afterBodyStarted;
}
