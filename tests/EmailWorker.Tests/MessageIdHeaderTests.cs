using EmailWorker.Delivery;

namespace EmailWorker.Tests;

[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class MessageIdHeaderTests
{
    [TestCase("order-4711", "order-4711@mail.example.com")]
    [TestCase("a.b_c", "a.b_c@mail.example.com")]
    [TestCase("tenant:order@shop", "tenant=3Aorder=40shop@mail.example.com")]
    [TestCase(".leading", "=2Eleading@mail.example.com")]
    [TestCase("a..b", "a=2E=2Eb@mail.example.com")]
    public void Should_derive_a_valid_message_id(string messageId, string expected)
    {
        var derived = MessageIdHeader.Derive(messageId, "mail.example.com");

        Assert.That(derived, Is.EqualTo(expected));
        Assert.That(MimeKit.Utils.MimeUtils.EnumerateReferences($"<{derived}>").Single(), Is.EqualTo(derived), "MimeKit must parse it back unchanged");
    }

    [Test]
    public void Should_map_different_ids_to_different_headers() =>
        Assert.That(MessageIdHeader.Derive("a:b", "d"), Is.Not.EqualTo(MessageIdHeader.Derive("a@b", "d")));
}
