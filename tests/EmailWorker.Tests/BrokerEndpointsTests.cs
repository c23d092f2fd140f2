using System.Net;
using EmailWorker.Configuration;
using EmailWorker.Publisher.Connection;

namespace EmailWorker.Tests;

[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class BrokerEndpointsTests
{
    [Test]
    public void Should_keep_the_nodes_in_the_order_written_with_the_default_port_where_none_is_given()
    {
        Assert.That(BrokerEndpoints.TryParse("rabbit-2:5673, rabbit-1 ,[::1]:5674", "ignored", 5671, out var endpoints, out _), Is.True);

        Assert.That(endpoints, Is.EqualTo(new[] { new DnsEndPoint("rabbit-2", 5673), new DnsEndPoint("rabbit-1", 5671), new DnsEndPoint("::1", 5674) }));
        Assert.That(BrokerEndpoints.Describe(endpoints!), Is.EqualTo("rabbit-2:5673,rabbit-1:5671,[::1]:5674"));
    }

    [Test]
    public void Should_fall_back_to_host_and_port_when_no_list_is_given()
    {
        Assert.That(BrokerEndpoints.TryParse("", "localhost", 5672, out var endpoints, out _), Is.True);
        Assert.That(endpoints, Is.EqualTo(new[] { new DnsEndPoint("localhost", 5672) }));
    }

    [TestCase("rabbit-1:0")]
    [TestCase("rabbit-1:70000")]
    [TestCase("rabbit-1:abc")]
    [TestCase("rabbit-1:5672,,rabbit-2:5672")]
    [TestCase("bad host:5672")]
    [TestCase("[::1:5672")]
    [TestCase("rabbit-1:5672,rabbit-1:5672")]
    public void Should_refuse_a_malformed_list_naming_the_entry(string list)
    {
        var result = new RabbitMqOptionsValidator().Validate(null, new RabbitMqOptions { Endpoints = list });

        Assert.That(result.FailureMessage, Does.Contain("RabbitMq:Endpoints").And.Contain("EMAILWORKER__RABBITMQ__ENDPOINTS"));
    }

    [Test]
    public void Should_try_the_nodes_in_order_with_the_same_verified_tls_on_each()
    {
        var options = new RabbitMqOptions { Endpoints = "b:5671,a:5671", Tls = new AmqpTlsOptions { Enabled = true } };

        var endpoints = Broker.BrokerConnection.EndpointsOf(options);

        Assert.Multiple(() =>
        {
            Assert.That(endpoints.Select(e => e.HostName), Is.EqualTo(new[] { "b", "a" }));
            Assert.That(endpoints.All(e => e.Ssl.Enabled && e.Ssl.CertificateValidationCallback is not null), Is.True);
            Assert.That(endpoints.Select(e => e.Ssl.ServerName), Is.EqualTo(new[] { "b", "a" }));
        });
    }

    [Test]
    public void Should_name_the_nested_tls_key_and_its_environment_variable()
    {
        var options = new RabbitMqOptions { Tls = new AmqpTlsOptions { Enabled = true, CaFile = "/nonexistent/ca.pem" } };

        Assert.That(new RabbitMqOptionsValidator().Validate(null, options).FailureMessage,
            Does.Contain("RabbitMq:Tls:CaFile").And.Contain("EMAILWORKER__RABBITMQ__TLS__CAFILE"));
    }

    [Test]
    public void Should_never_echo_the_client_certificate_password()
    {
        var options = new RabbitMqOptions
        {
            Tls = new AmqpTlsOptions { Enabled = true, ClientCertificateFile = "/nonexistent/client.p12", ClientCertificatePassword = "hunter2-secret" },
        };

        Assert.That(new RabbitMqOptionsValidator().Validate(null, options).FailureMessage,
            Does.Contain("RabbitMq:Tls:ClientCertificateFile").And.Not.Contain("hunter2-secret"));
    }
}
