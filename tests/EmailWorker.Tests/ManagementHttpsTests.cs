using EmailWorker.Configuration;

namespace EmailWorker.Tests;

/// <summary>
/// The management API request carries the broker user's password (Basic auth): it follows AMQP's TLS unless told
/// otherwise, and plain http while AMQP uses TLS is refused at start-up unless explicitly allowed.
/// </summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class ManagementHttpsTests
{
    [TestCase(false, false)]
    [TestCase(true, true)]
    public void Should_follow_amqp_tls_when_unset(bool tls, bool https) =>
        Assert.That(new RabbitMqOptions { Tls = { Enabled = tls } }.UsesManagementHttps, Is.EqualTo(https));

    [TestCase(false, true, true)]
    [TestCase(true, false, false)]
    public void Should_do_what_it_is_told_when_set(bool tls, bool managementHttps, bool https) =>
        Assert.That(new RabbitMqOptions { Tls = { Enabled = tls }, ManagementHttps = managementHttps }.UsesManagementHttps, Is.EqualTo(https));

    [Test]
    public void Should_refuse_plain_http_management_while_amqp_uses_tls_naming_the_key()
    {
        var result = new RabbitMqOptionsValidator().Validate(null, new RabbitMqOptions { Tls = { Enabled = true }, ManagementHttps = false });

        Assert.Multiple(() =>
        {
            Assert.That(result.Failed, Is.True);
            Assert.That(result.FailureMessage, Does.Contain("RabbitMq:ManagementHttps").And.Contain("AllowPlaintextManagement").And.Contain("clear text"));
        });
    }

    [Test]
    public void Should_accept_plain_http_management_when_explicitly_allowed_or_not_used()
    {
        var allowed = new RabbitMqOptions { Tls = { Enabled = true }, ManagementHttps = false, AllowPlaintextManagement = true };
        var unused = new RabbitMqOptions { Tls = { Enabled = true }, ManagementHttps = false, ManagementPort = 0 };
        var plain = new RabbitMqOptions { ManagementHttps = false };

        Assert.Multiple(() =>
        {
            Assert.That(new RabbitMqOptionsValidator().Validate(null, allowed).Succeeded, Is.True, "allowed");
            Assert.That(new RabbitMqOptionsValidator().Validate(null, unused).Succeeded, Is.True, "no management API");
            Assert.That(new RabbitMqOptionsValidator().Validate(null, plain).Succeeded, Is.True, "AMQP in clear text as well: nothing more to lose");
        });
    }
}
