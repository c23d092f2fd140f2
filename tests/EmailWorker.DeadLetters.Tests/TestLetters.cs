using System.Text;
using EmailWorker.DeadLetters.Store;

namespace EmailWorker.DeadLetters.Tests;

/// <summary>Dead letters as the mapper would make them, for tests that exercise the store alone.</summary>
internal static class TestLetters
{
    public static readonly DateTimeOffset Start = new(2026, 11, 1, 8, 0, 0, TimeSpan.Zero);

    public static IngestedLetter Make(int number, string letterClass = "permanent", int? smtpCode = 550, string? enhancedCode = "5.1.1",
        string? reason = null, DateTimeOffset? lastFailureAt = null, string? messageId = null)
    {
        reason ??= $"<user{number}@example.org>: Recipient address rejected: User unknown";
        var at = lastFailureAt ?? Start.AddSeconds(number);
        var body = Encoding.UTF8.GetBytes($$"""{"messageId":"{{messageId ?? $"m-{number}"}}","to":[{"address":"user{{number}}@example.org"}]}""");
        return new IngestedLetter(
            $"letter-{number:D8}",
            messageId ?? $"m-{number}",
            new LetterFailure(letterClass, reason, smtpCode, enhancedCode, 1, at.AddMinutes(-1), at),
            [$"user{number}@example.org"],
            Fingerprint.Of(letterClass, smtpCode, enhancedCode, reason),
            new LetterContent("""[{"attempt":1,"outcome":"failed"}]""", $$"""{"email-failure-class":"{{letterClass}}"}""", body));
    }
}
