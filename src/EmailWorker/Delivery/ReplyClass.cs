using EmailWorker.Smtp;

namespace EmailWorker.Delivery;

/// <summary>
/// The first digit of the relay's last reply to an attempt — <c>2</c>, <c>4</c> or <c>5</c> — or <c>none</c> when it
/// never replied (connection refused, dropped, timed out): few values, so a fine metric attribute.
/// </summary>
internal static class ReplyClass
{
    public const string Success = "2";
    public const string None = "none";

    public static string Of(int statusCode) => (statusCode / 100) switch
    {
        2 => Success,
        4 => "4",
        5 => "5",
        _ => None,
    };

    public static string Of(Exception failure) => failure switch
    {
        SmtpCommandRefusedException command => Of(command.StatusCode),
        NoRecipientsAcceptedException { Refusals.Count: > 0 } none => Of(none.Refusals[0].StatusCode),
        _ => None,
    };
}
