using System.Text;
using EmailWorker.Configuration;
using EmailWorker.Contracts;
using EmailWorker.Messages;
using Microsoft.Extensions.Options;

namespace EmailWorker.Tests;

[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class SendEmailReaderTests
{
    private static SendEmailReader Reader(int maxBytes = 4096) =>
        new(Options.Create(new DeliveryOptions { MaxMessageBytes = maxBytes, DefaultFrom = "noreply@example.com" }),
            Options.Create(new SmtpOptions { Relays = [new RelayOptions { Name = "ses-eu", Host = "smtp.example.com" }] }));

    private static ReadResult Read(string body, string? contentType = "application/json", int maxBytes = 4096) =>
        Reader(maxBytes).Read(Encoding.UTF8.GetBytes(body), contentType);

    [Test]
    public void Should_read_plain_json_with_missing_lists_as_empty()
    {
        var result = Read("""{"messageId":"m-1","to":[{"address":"ann@example.org"}],"text":"hi","unknownField":1}""");

        Assert.Multiple(() =>
        {
            Assert.That(result.Errors, Is.Empty);
            Assert.That(result.Message!.MessageId, Is.EqualTo("m-1"));
            Assert.That(result.Message.Cc, Is.Empty);
            Assert.That(result.Message.Attachments, Is.Empty);
        });
    }

    [Test]
    public void Should_read_the_command_inside_a_masstransit_envelope()
    {
        var envelope = """
            {"messageId":"5c2d0000-0000-0000-0000-000000000000","messageType":["urn:message:EmailWorker.Contracts:SendEmail"],
             "message":{"messageId":"m-2","to":[{"address":"bob@example.org"}],"html":"<p>x</p>"}}
            """;

        var result = Read(envelope, "application/vnd.masstransit+json");

        Assert.That(result.Message?.MessageId, Is.EqualTo("m-2"));
    }

    [TestCase("{not json")]
    [TestCase("[1,2]")]
    [TestCase("null")]
    public void Should_refuse_a_body_that_is_not_a_json_object(string body) =>
        Assert.That(Read(body).Errors.Single().Code, Is.EqualTo(ValidationCodes.NotJson));

    [Test]
    public void Should_refuse_an_envelope_without_a_message() =>
        Assert.That(Read("""{"messageType":[]}""", "application/vnd.masstransit+json").Errors.Single().Code, Is.EqualTo(ValidationCodes.NotJson));

    [Test]
    public void Should_refuse_a_body_over_the_size_cap_before_parsing_it() =>
        Assert.That(Read(new string(' ', 2000) + "{}", maxBytes: 1024).Errors.Single().Code, Is.EqualTo(ValidationCodes.TooLarge));

    [Test]
    public void Should_report_validation_errors_of_a_well_formed_body() =>
        Assert.That(Read("""{"messageId":"m-3","to":[],"text":"hi"}""").Errors.Select(e => e.Code), Does.Contain(ValidationCodes.MissingRecipient));

    [Test]
    public void Should_refuse_a_relay_that_is_not_configured_with_its_code()
    {
        var unknown = Read("""{"messageId":"m-1","to":[{"address":"ann@example.org"}],"text":"hi","relay":"ses-us"}""");
        var known = Read("""{"messageId":"m-1","to":[{"address":"ann@example.org"}],"text":"hi","relay":"SES-EU"}""");

        Assert.Multiple(() =>
        {
            Assert.That(unknown.Errors.Select(e => e.Code), Is.EqualTo(new[] { ValidationCodes.UnknownRelay }));
            Assert.That(unknown.Errors[0].Message, Does.Contain("ses-eu"), "names the configured ones");
            Assert.That(known.Errors, Is.Empty, "relay names are compared without regard to case");
        });
    }

    [Test]
    public void Should_refuse_a_stream_that_is_not_a_stream_name_with_its_code()
    {
        var upper = Read("""{"messageId":"m-1","to":[{"address":"ann@example.org"}],"text":"hi","stream":"Broadcast"}""");
        var wrongType = Read("""{"messageId":"m-1","to":[{"address":"ann@example.org"}],"text":"hi","stream":7}""");
        var good = Read("""{"messageId":"m-1","to":[{"address":"ann@example.org"}],"text":"hi","stream":"broadcast"}""");

        Assert.Multiple(() =>
        {
            Assert.That(upper.Errors.Select(e => e.Code), Is.EqualTo(new[] { ValidationCodes.InvalidStream }));
            Assert.That(wrongType.Errors, Is.Not.Empty, "a number is not a stream");
            Assert.That(good.Errors, Is.Empty);
            Assert.That(good.Message!.Stream, Is.EqualTo("broadcast"));
        });
    }
}
