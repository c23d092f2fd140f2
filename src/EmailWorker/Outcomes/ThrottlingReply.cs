using System.Text.RegularExpressions;
using EmailWorker.Delivery;

namespace EmailWorker.Outcomes;

/// <summary>
/// Recognises a relay's throttling reply — too fast or too many connections — by its code, enhanced code and text
/// together (DESIGN §11: SES 454 4.7.0 "Maximum sending rate exceeded", Office 365 421 4.7.0 / 432 4.3.2 "thread limit",
/// Gmail 421 4.7.0 "Try again later" / 450 4.2.1 "rate", Postfix 421 4.7.0 "too many connections"). The code alone is
/// not enough: 454 4.7.0 "TLS not available" and greylisting's 451 4.7.1 keep their classes.
/// </summary>
internal static partial class ThrottlingReply
{
    private static readonly HashSet<string> EnhancedCodes = ["4.7.0", "4.7.28", "4.3.2", "4.2.1"];

    /// <summary>
    /// True for a throttling reply.
    /// </summary>
    public static bool Is(int code, string? enhanced, string text)
    {
        if (code is not (421 or 432 or 450 or 451 or 454))
            return false;
        if (enhanced is not null && EnhancedCodes.Contains(enhanced))
            return Plain().IsMatch(text) || Vague().IsMatch(text);
        return enhanced is null && Plain().IsMatch(text);
    }

    /// <summary>The controller's signal for a throttled outcome: connections when the reply says so or came at connect, else rate.</summary>
    public static ThrottleSignal Signal(AttemptOutcome outcome)
    {
        var stage = outcome.Stage is { } known ? StageName(known) : "connect";
        var kind = ConnectionWords().IsMatch(outcome.Reason) ? ThrottleKind.Connections
            : RateWords().IsMatch(outcome.Reason) ? ThrottleKind.Rate
            : stage == "connect" ? ThrottleKind.Connections : ThrottleKind.Rate;
        var reply = (outcome.SmtpCode, outcome.EnhancedCode) switch
        {
            ({ } code, { } enhanced) => $"{code} {enhanced}",
            ({ } code, null) => $"{code}",
            (null, { } enhanced) => enhanced,
            _ => "none",
        };
        return new ThrottleSignal(kind, reply, stage);
    }

    private static string StageName(SmtpStage stage) => stage switch
    {
        SmtpStage.Connect => "connect",
        SmtpStage.MailFrom => "mail",
        SmtpStage.RcptTo => "rcpt",
        _ => "data",
    };

    [GeneratedRegex(@"throttl|\brate(s|d)?\b|rate[- ]?limit|too\s+many\s+(connections|messages|concurrent|sessions)|thread\s+limit|maximum\s+sending\s+rate", RegexOptions.IgnoreCase)]
    private static partial Regex Plain();

    [GeneratedRegex(@"try\s+again\s+later", RegexOptions.IgnoreCase)]
    private static partial Regex Vague();

    [GeneratedRegex(@"too\s+many\s+(connections|concurrent|sessions)|thread\s+limit", RegexOptions.IgnoreCase)]
    private static partial Regex ConnectionWords();

    [GeneratedRegex(@"\brate(s|d)?\b|rate[- ]?limit|too\s+many\s+messages|maximum\s+sending\s+rate", RegexOptions.IgnoreCase)]
    private static partial Regex RateWords();
}
