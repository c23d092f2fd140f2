using System.Text.RegularExpressions;
using EmailWorker.Configuration;
using EmailWorker.Outcomes;

namespace EmailWorker.Routing;

/// <summary>Which schedule a transient outcome is retried on: the one place that reads a cause from a reply.</summary>
internal static partial class RetryCauses
{
    public static RetryCause Of(AttemptOutcome outcome) => outcome switch
    {
        { Greylisted: true } => RetryCause.Greylisting,
        { EnhancedCode: "4.2.2" or "5.2.2" } => RetryCause.MailboxFull,
        { EnhancedCode: null } when MailboxFullText().IsMatch(outcome.Reason) => RetryCause.MailboxFull,
        { EnhancedCode: { } code } when code.StartsWith("4.4.", StringComparison.Ordinal) => RetryCause.DomainFailure,
        // No reply at all: the connection was lost, or the attempt's deadline passed, during the transaction.
        { SmtpCode: null } => RetryCause.ConnectionFailure,
        _ => RetryCause.Default,
    };

    /// <summary>The configuration key of the cause's schedule, for reasons and logs.</summary>
    public static string Key(this RetryCause cause) => cause switch
    {
        RetryCause.MailboxFull => "Retry:MailboxFull",
        RetryCause.DomainFailure => "Retry:DomainFailure",
        RetryCause.ConnectionFailure => "Retry:ConnectionFailure",
        _ => "Retry:Schedule",
    };

    [GeneratedRegex(@"mailbox\s+(is\s+)?full|over\s+quota|quota\s+exceeded", RegexOptions.IgnoreCase)]
    private static partial Regex MailboxFullText();
}
