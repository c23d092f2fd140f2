using System.Text;
using System.Text.Json;
using EmailWorker.Broker;
using EmailWorker.Contracts;
using EmailWorker.DeadLetters.Edit;
using EmailWorker.DeadLetters.Store;
using EmailWorker.DeadLetters.Views;
using EmailWorker.Messages;

namespace EmailWorker.Tests;

/// <summary>
/// An edited copy of a dead letter: validated as producers' messages are, the same message id, and owed only to the
/// recipients still owed or added (not to those who have the original already).
/// </summary>
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class LetterEditorTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly SendEmailLimits Limits = new() { MaxMessageBytes = 64 * 1024 };

    private static readonly SendEmail Original = new()
    {
        MessageId = "m-1",
        From = new EmailAddress { Address = "shop@example.com" },
        To = [new EmailAddress { Address = "ann@example.org" }, new EmailAddress { Address = "bob@exmaple.org" }],
        Subject = "Your order",
        Text = "Hello",
    };

    /// <summary>A dead letter of <see cref="Original"/> that stands for bob only (ann got the mail).</summary>
    private static DeadLetter Letter(LetterMark? purged = null)
    {
        var headers = new Dictionary<string, object?>
        {
            [HeaderNames.RemainingRecipients] = """["bob@exmaple.org"]""",
            [HeaderNames.FailureClass] = "permanent",
            ["x-producer"] = "shop",
        };
        var content = new LetterContent("[]", HeaderJson.Write(headers, _ => true), JsonSerializer.SerializeToUtf8Bytes(Original, ContractsJsonContext.Default.SendEmail),
            new LetterProperties("application/json", null, "m-1", null, null, "shop", null));
        return new DeadLetter(1, "0123456789abcdef0123456789abcdef", "m-1",
            new LetterFailure("permanent", "550 5.1.2 bad domain", 550, "5.1.2", 1, Now.AddMinutes(-5), Now.AddMinutes(-5)),
            ["bob@exmaple.org"], "g-1", Now, null, purged, content);
    }

    [Test]
    public void Should_owe_the_edit_to_the_fixed_recipient_and_not_to_the_one_who_has_the_original()
    {
        var edited = Original with { To = [new EmailAddress { Address = "ann@example.org" }, new EmailAddress { Address = "bob@example.org" }] };

        var prepared = LetterEditor.Prepare(Letter(), Original, edited, Limits, Now);

        Assert.That(prepared.IsValid, Is.True, string.Join("; ", prepared.Problems));
        var copy = prepared.Letter!;
        var headers = ContentReader.Headers(copy.Content);
        Assert.Multiple(() =>
        {
            Assert.That(copy.MessageId, Is.EqualTo("m-1"));
            Assert.That(LetterSelection.IsLetterId(copy.LetterId) && copy.LetterId != Letter().LetterId, Is.True);
            Assert.That(copy.Recipients, Is.EqualTo(new[] { "bob@example.org" }));
            Assert.That(HeaderCodec.ReadState(headers).Recipients, Is.EqualTo(new[] { "bob@example.org" }));
            Assert.That(HeaderCodec.ReadString(headers, "x-producer"), Is.EqualTo("shop"), "the producer's headers are kept");
            Assert.That(copy.Content.Properties, Is.EqualTo(Letter().LoadedContent.Properties));
            Assert.That(ContentReader.Command(copy.Content.Body), Is.Not.Null.And.Property(nameof(SendEmail.Subject)).EqualTo("Your order"));
            Assert.That(copy.Group.Key, Is.EqualTo("g-1"));
        });
    }

    [Test]
    public void Should_refuse_what_the_producers_validator_refuses()
    {
        var edited = Original with { To = [new EmailAddress { Address = "not an address" }], Subject = "two\nlines" };

        var prepared = LetterEditor.Prepare(Letter(), Original, edited, Limits, Now);

        Assert.Multiple(() =>
        {
            Assert.That(prepared.IsValid, Is.False);
            Assert.That(prepared.Letter, Is.Null);
            Assert.That(prepared.Problems, Has.Some.StartsWith(ValidationCodes.InvalidAddress));
            Assert.That(prepared.Problems, Has.Some.Contains("subject"));
        });
    }

    [Test]
    public void Should_refuse_a_changed_message_id_an_unchanged_message_and_a_letter_no_longer_dead()
    {
        Assert.Multiple(() =>
        {
            Assert.That(LetterEditor.Prepare(Letter(), Original, Original with { MessageId = "m-2", Subject = "x" }, Limits, Now).Problems,
                Has.Some.StartsWith("messageId cannot change"));
            Assert.That(LetterEditor.Prepare(Letter(), Original, Original with { }, Limits, Now).Problems, Has.Some.EqualTo("nothing was changed"));
            Assert.That(LetterEditor.Prepare(Letter(new LetterMark(Now, "ops")), Original, Original with { Subject = "x" }, Limits, Now).Problems,
                Has.Some.StartsWith("the letter is purged"));
        });
    }

    [Test]
    public void Should_refuse_an_edit_over_the_largest_message()
    {
        var edited = Original with { Text = new string('a', Limits.MaxMessageBytes) };

        Assert.That(LetterEditor.Prepare(Letter(), Original, edited, Limits, Now).Problems, Has.Some.Contains($"at most {Limits.MaxMessageBytes} are allowed"));
    }

    [Test]
    public void Should_owe_every_recipient_when_the_original_owed_every_one() =>
        Assert.That(OwedRecipients.Of(Original, null, Original with { To = [new EmailAddress { Address = "carl@example.org" }] }), Is.Null);

    [Test]
    public void Should_give_the_text_of_the_letter_unchanged_fields_exactly() =>
        Assert.That(Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(new LetterChanges().ApplyTo(Original), ContractsJsonContext.Default.SendEmail)),
            Is.EqualTo(Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(Original, ContractsJsonContext.Default.SendEmail))));
}
