using System.Text;
using EmailWorker.DeadLetters.Views;

namespace EmailWorker.Tests;

/// <summary>The fields a listing, a tag filter and a replay's status events read from a stored letter's body.</summary>
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class ContentReaderTests
{
    [Test]
    public void Should_read_the_subject_correlation_id_and_tags_of_a_send_email_body()
    {
        var body = Encoding.UTF8.GetBytes("""
            {"messageId":"m-1","to":[{"address":"a@example.org"}],"subject":"Your order","text":"long text","correlationId":"order-7",
             "tags":{"tenant":"t-3","kind":"shipping"},"attachments":[{"fileName":"a.pdf","contentBase64":"AAAA"}]}
            """);

        var fields = ContentReader.Fields(body);

        Assert.That(fields, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(fields!.Subject, Is.EqualTo("Your order"));
            Assert.That(fields.CorrelationId, Is.EqualTo("order-7"));
            Assert.That(fields.Tags, Is.EquivalentTo(new Dictionary<string, string> { ["tenant"] = "t-3", ["kind"] = "shipping" }));
        });
    }

    [TestCase("plain text, not JSON")]
    [TestCase("""{"subject":"s","tags":{"tenant":3}}""")]
    [TestCase("""["an","array"]""")]
    public void Should_read_nothing_from_a_body_that_is_not_a_send_email(string text) =>
        Assert.That(ContentReader.Fields(Encoding.UTF8.GetBytes(text)), Is.Null);

    [Test]
    public void Should_read_a_body_without_the_fields_as_empty() =>
        Assert.That(ContentReader.Fields(Encoding.UTF8.GetBytes("""{"messageId":"foreign-1","whatever":1}""")),
            Is.EqualTo(new BodyFields(null, null, null)));
}
