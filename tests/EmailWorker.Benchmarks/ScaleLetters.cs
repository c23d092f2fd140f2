using System.Globalization;
using System.Text.Json;
using EmailWorker.Contracts;
using RabbitMQ.Client;

namespace EmailWorker.Benchmarks;

/// <summary>
/// Dead letters as the worker's mover writes them, for the dead-letter scale benchmark: the failure record and a
/// three-attempt history in the headers, a ~2 KiB <c>SendEmail</c> body with tags and a correlation id. Letter
/// <c>n</c> fails as failure <c>n % 10</c>, so a store of a million holds ten groups of 100,000.
/// </summary>
internal static class ScaleLetters
{
    public const int Groups = 10;

    private static readonly DateTimeOffset Start = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly string Text = string.Concat(Enumerable.Repeat("Your order has shipped and is on its way. ", 40));

    private static readonly (string Class, int Code, string Enhanced, string Reply)[] Failures =
    [
        ("permanent", 550, "5.1.1", "<{0}>: Recipient address rejected: User unknown in virtual mailbox table"),
        ("permanent", 550, "5.7.1", "Message rejected due to content restrictions (id {1})"),
        ("transient", 451, "4.7.1", "<{0}>: Recipient address rejected: Greylisted, try again in 300 seconds"),
        ("transient", 421, "4.4.2", "mx{1}.example.net: Connection timed out after 300 s"),
        ("permanent", 552, "5.2.2", "<{0}>: Mailbox full, quota exceeded"),
        ("permanent", 553, "5.1.3", "<{0}>: Invalid address syntax"),
        ("expired", 451, "4.4.1", "No answer from host mx{1}.example.net"),
        ("permanent", 554, "5.7.1", "<{0}>: Relay access denied"),
        ("transient", 450, "4.2.1", "<{0}>: Mailbox temporarily disabled"),
        ("permanent", 550, "5.7.26", "Unauthenticated email from example.com is not accepted due to domain's DMARC policy (ref {1})"),
    ];

    public static (BasicProperties Properties, byte[] Body) Letter(string prefix, long number)
    {
        var id = $"{prefix}-{number:D7}";
        var recipient = $"customer{number}@mail{number % 97}.example.org";
        var (letterClass, code, enhanced, reply) = Failures[number % Groups];
        var reason = $"{code} {enhanced} {string.Format(CultureInfo.InvariantCulture, reply, recipient, number * 7919)}";
        var last = Start.AddMilliseconds(number * 50);
        var first = last.AddMinutes(-30);
        string Time(DateTimeOffset at) => at.ToString("O", CultureInfo.InvariantCulture);
        var history = $$"""
            [{"attempt":1,"at":"{{Time(first)}}","outcome":"deferred","class":"transient","smtpCode":451,"enhancedCode":"4.3.0","message":"Temporary failure","worker":"worker-a"},
            {"attempt":2,"at":"{{Time(first.AddMinutes(5))}}","outcome":"deferred","class":"transient","smtpCode":451,"enhancedCode":"4.3.0","message":"Temporary failure","worker":"worker-b"},
            {"attempt":3,"at":"{{Time(last)}}","outcome":"failed","class":"{{letterClass}}","smtpCode":{{code}},"enhancedCode":"{{enhanced}}","message":"{{reason}}","worker":"worker-a"}]
            """;
        var headers = new Dictionary<string, object?>
        {
            ["email-failure-class"] = letterClass,
            ["email-failure-reason"] = reason,
            ["email-smtp-code"] = code,
            ["email-smtp-enhanced-code"] = enhanced,
            ["email-attempt"] = 3,
            ["email-first-attempt-at"] = Time(first),
            ["email-first-failure-at"] = Time(first),
            ["email-last-failure-at"] = Time(last),
            ["email-remaining-recipients"] = $"[\"{recipient}\"]",
            ["email-history"] = history,
            ["traceparent"] = $"00-{number:x32}-{number:x16}-01",
        };
        var body = JsonSerializer.SerializeToUtf8Bytes(new SendEmail
        {
            MessageId = id,
            CorrelationId = $"order-{number}",
            From = new EmailAddress { Address = "shop@example.com", Name = "Example Shop" },
            To = [new EmailAddress { Address = recipient, Name = $"Customer {number}" }],
            Subject = $"Your order {number} has shipped",
            Text = Text,
            Tags = new Dictionary<string, string> { ["tenant"] = $"tenant-{number % 13}", ["kind"] = "shipping" },
        }, ContractsJsonContext.Default.SendEmail);
        return (new BasicProperties { Persistent = true, ContentType = "application/json", MessageId = id, Headers = headers }, body);
    }
}
