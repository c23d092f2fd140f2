using System.Text;
using System.Text.Json;
using EmailWorker.DeadLetters.Replay;
using EmailWorker.DeadLetters.Store;
using EmailWorker.DeadLetters.Views;

namespace EmailWorker.Tests;

/// <summary>
/// The one view model of a letter: its JSON is what <c>dlq list --json</c> writes per letter and <c>dlq show --json</c> as
/// <c>record</c>, which scripts read — the names and their order are a contract.
/// </summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class DeadLetterViewTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 29, 10, 0, 0, TimeSpan.Zero);

    private static DeadLetter Letter(LetterContent? content) => new(7, new string('a', 32), "m-7",
        new LetterFailure("permanent", "550 5.1.1 unknown", 550, "5.1.1", 3, At, At.AddMinutes(5)), ["ann@example.org"], "g-1", At.AddMinutes(6),
        null, new LetterMark(At.AddHours(1), "ops"), content);

    private static LetterContent Content(string body) =>
        new("[]", """{"email-replay-count":2}""", Encoding.UTF8.GetBytes(body));

    [Test]
    public void Should_write_the_fields_scripts_read_in_their_order()
    {
        var json = JsonSerializer.Serialize(DeadLetterView.From(Letter(Content("""{"subject":"Your order"}"""))), ViewJsonContext.Default.DeadLetterView);
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;

        Assert.Multiple(() =>
        {
            Assert.That(root.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[]
            {
                "letterId", "messageId", "class", "reason", "smtpCode", "enhancedCode", "attempts", "firstFailureAt", "lastFailureAt",
                "recipients", "subject", "replayCount", "group", "state", "replayed", "purged",
            }));
            Assert.That(root.GetProperty("subject").GetString(), Is.EqualTo("Your order"));
            Assert.That(root.GetProperty("replayCount").GetInt32(), Is.EqualTo(2));
            Assert.That(root.GetProperty("state").GetString(), Is.EqualTo("purged"));
            Assert.That(root.GetProperty("lastFailureAt").GetDateTimeOffset(), Is.EqualTo(At.AddMinutes(5)));
            Assert.That(root.GetProperty("purged").GetProperty("by").GetString(), Is.EqualTo("ops"));
        });
    }

    [Test]
    public void Should_leave_what_the_content_says_empty_for_a_summary()
    {
        var view = DeadLetterView.From(Letter(null));

        Assert.Multiple(() =>
        {
            Assert.That((view.Subject, view.ReplayCount), Is.EqualTo(((string?)null, (int?)null)));
            Assert.That(() => Letter(null).LoadedContent, Throws.InvalidOperationException, "a summary has no content to give");
        });
    }

    [Test]
    public void Should_know_a_body_cut_for_display_and_never_replay_it()
    {
        var whole = Content("{}");
        var cut = whole with { BodyLength = 4096 };

        Assert.Multiple(() =>
        {
            Assert.That(whole.IsWholeBody, Is.True);
            Assert.That(cut.IsWholeBody, Is.False);
            Assert.That((whole with { Body = new byte[10] }).BodyLength, Is.EqualTo(10), "a copy with another body follows that body");
            Assert.That(() => ReplayMessage.From(Letter(cut), new Dictionary<string, object?>()), Throws.ArgumentException);
            Assert.That(ReplayMessage.From(Letter(whole), new Dictionary<string, object?>()).Body.ToArray(), Is.EqualTo(whole.Body));
        });
    }
}
