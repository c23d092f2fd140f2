namespace EmailWorker.Configuration;

/// <summary>Why a transient failure is retried; each cause waits on its own schedule (<c>Retry:</c> keys).</summary>
internal enum RetryCause
{
    /// <summary>Any other transient failure: <c>Retry:Schedule</c>.</summary>
    Default,

    /// <summary>A greylisting reply (4.7.1): <c>Retry:Schedule</c> from the first tier at least <c>Retry:GreylistMinimum</c>.</summary>
    Greylisting,

    /// <summary>The recipient's mailbox is full (4.2.2, 5.2.2): <c>Retry:MailboxFull</c>, hours rather than minutes.</summary>
    MailboxFull,

    /// <summary>The relay could not reach the recipient's domain (4.4.x network and routing): <c>Retry:DomainFailure</c>.</summary>
    DomainFailure,

    /// <summary>No reply at all — the connection was lost or the attempt's deadline passed: <c>Retry:ConnectionFailure</c>.</summary>
    ConnectionFailure,
}
