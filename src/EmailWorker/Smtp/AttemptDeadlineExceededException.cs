namespace EmailWorker.Smtp;

/// <summary>One SMTP attempt ran past its overall deadline (a relay that trickles bytes), on top of MailKit's socket timeout.</summary>
internal sealed class AttemptDeadlineExceededException(TimeSpan deadline)
    : Exception($"the SMTP attempt did not finish within {deadline.TotalSeconds:0.#} s");
