using EmailWorker.Configuration;
using EmailWorker.Contracts;
using EmailWorker.Delivery;
using Microsoft.Extensions.Options;

namespace EmailWorker.Tests;

[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class MimeMessageFactoryTests
{
    private static readonly MimeMessageFactory Factory =
        new(Options.Create(new DeliveryOptions { DefaultFrom = "noreply@example.com", MessageIdDomain = "mail.example.com" }));

    private static SendEmail Command() => new()
    {
        MessageId = "m-1",
        To = [new EmailAddress { Address = "ann@example.org", Name = "Ann" }],
        Cc = [new EmailAddress { Address = "cc@example.org" }],
        Bcc = [new EmailAddress { Address = "hidden@example.org" }, new EmailAddress { Address = "ANN@example.org" }],
        Subject = "Hi",
        Text = "plain",
        Headers = new Dictionary<string, string> { ["X-Tenant"] = "acme" },
    };

    [Test]
    public void Should_put_bcc_in_the_envelope_only_and_each_recipient_once()
    {
        var mail = Factory.Create(Command());

        Assert.Multiple(() =>
        {
            Assert.That(mail.Recipients.Select(r => r.Address), Is.EqualTo(new[] { "ann@example.org", "cc@example.org", "hidden@example.org" }));
            Assert.That(mail.Message.Bcc, Is.Empty);
            Assert.That(mail.Message.Headers.Contains("Bcc"), Is.False);
        });
    }

    [Test]
    public void Should_use_the_default_sender_the_derived_message_id_and_custom_headers()
    {
        var mail = Factory.Create(Command());

        Assert.Multiple(() =>
        {
            Assert.That(mail.Sender.Address, Is.EqualTo("noreply@example.com"));
            Assert.That(mail.Message.MessageId, Is.EqualTo("m-1@mail.example.com"));
            Assert.That(mail.Message.Headers["X-Tenant"], Is.EqualTo("acme"));
        });
    }

    [Test]
    public void Should_address_only_the_remaining_recipients_on_a_retry()
    {
        var mail = Factory.Create(Command(), ["cc@example.org"]);

        Assert.That(mail.Recipients.Select(r => r.Address), Is.EqualTo(new[] { "cc@example.org" }));
        Assert.That(mail.Message.To.Mailboxes.Single().Address, Is.EqualTo("ann@example.org"), "the headers still show every visible recipient");
    }
}
