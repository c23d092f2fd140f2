using EmailWorker.Configuration;

namespace EmailWorker.Tests;

[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class OptionsValidationTests
{
    [Test]
    public void Should_accept_the_defaults_with_a_relay()
    {
        var smtp = new SmtpOptions { Host = "smtp.example.com" };

        Assert.Multiple(() =>
        {
            Assert.That(new SmtpOptionsValidator().Validate(null, smtp).Succeeded, Is.True);
            Assert.That(new RabbitMqOptionsValidator().Validate(null, new RabbitMqOptions()).Succeeded, Is.True);
            Assert.That(new TopologyOptionsValidator().Validate(null, new TopologyOptions()).Succeeded, Is.True);
            Assert.That(new RetryOptionsValidator().Validate(null, new RetryOptions()).Succeeded, Is.True);
            Assert.That(new DeliveryOptionsValidator().Validate(null, new DeliveryOptions()).Succeeded, Is.True);
        });
    }

    [TestCase("0s")]
    [TestCase("2h")]
    [TestCase("soon")]
    public void Should_refuse_a_shutdown_timeout_that_is_not_a_bounded_duration(string timeout) =>
        Assert.That(new HostingOptionsValidator().Validate(null, new HostingOptions { ShutdownTimeout = timeout }).FailureMessage,
            Does.Contain("Hosting:ShutdownTimeout").And.Contain("EMAILWORKER__HOSTING__SHUTDOWNTIMEOUT"));

    [Test]
    public void Should_name_the_key_and_the_environment_variable()
    {
        var result = new SmtpOptionsValidator().Validate(null, new SmtpOptions { Host = "" });

        Assert.That(result.FailureMessage, Does.Contain("Smtp:Host").And.Contain("EMAILWORKER__SMTP__HOST"));
    }

    [TestCase(0, "Port")]
    [TestCase(70000, "Port")]
    public void Should_refuse_a_port_outside_the_tcp_range(int port, string key) =>
        Assert.That(new SmtpOptionsValidator().Validate(null, new SmtpOptions { Host = "h", Port = port }).FailureMessage, Does.Contain($"Smtp:{key}"));

    [Test]
    public void Should_refuse_an_unknown_security_mode_listing_the_allowed_ones() =>
        Assert.That(new SmtpOptionsValidator().Validate(null, new SmtpOptions { Host = "h", Security = "Auto" }).FailureMessage,
            Does.Contain("Smtp:Security").And.Contain("None, StartTls, SslOnConnect"));

    [Test]
    public void Should_refuse_a_password_without_a_user() =>
        Assert.That(new SmtpOptionsValidator().Validate(null, new SmtpOptions { Host = "h", Password = "x" }).FailureMessage, Does.Contain("Smtp:Username"));

    [Test]
    public void Should_never_echo_the_password() =>
        Assert.That(new SmtpOptionsValidator().Validate(null, new SmtpOptions { Host = "", Password = "hunter2-secret" }).FailureMessage,
            Does.Not.Contain("hunter2-secret"));

    [Test]
    public void Should_refuse_more_concurrency_than_prefetch() =>
        Assert.That(new DeliveryOptionsValidator().Validate(null, new DeliveryOptions { ConcurrencyLimit = 10, PrefetchCount = 5 }).FailureMessage,
            Does.Contain("Delivery:ConcurrencyLimit"));

    [TestCase(0.0)]
    [TestCase(1.0)]
    [TestCase(-0.2)]
    [TestCase(double.NaN)]
    public void Should_refuse_a_bulk_share_that_is_not_a_bounded_share(double share) =>
        Assert.That(new DeliveryOptionsValidator().Validate(null, new DeliveryOptions { BulkShare = share }).FailureMessage,
            Does.Contain("Delivery:BulkShare"));

    [Test]
    public void Should_accept_the_shipped_bulk_share() =>
        Assert.That(new DeliveryOptionsValidator().Validate(null, new DeliveryOptions()).Succeeded, Is.True);

    [Test]
    public void Should_refuse_a_default_sender_that_is_not_an_address() =>
        Assert.That(new DeliveryOptionsValidator().Validate(null, new DeliveryOptions { DefaultFrom = "not an address" }).FailureMessage,
            Does.Contain("Delivery:DefaultFrom"));

    [TestCase("Shop <noreply@example.com>")]
    [TestCase("noreply@example.com")]
    public void Should_take_a_default_sender_with_or_without_a_display_name_and_probe_with_its_address_only(string defaultFrom)
    {
        var options = new DeliveryOptions { DefaultFrom = defaultFrom };
        Assert.Multiple(() =>
        {
            Assert.That(new DeliveryOptionsValidator().Validate(null, options).Succeeded, Is.True);
            Assert.That(options.DefaultSender()?.Address, Is.EqualTo("noreply@example.com"));
        });
    }

    [TestCase("Shop <not an address>")]
    [TestCase("Shop")]
    public void Should_refuse_a_default_sender_whose_address_is_not_one(string defaultFrom) =>
        Assert.That(new DeliveryOptionsValidator().Validate(null, new DeliveryOptions { DefaultFrom = defaultFrom }).FailureMessage,
            Does.Contain("Delivery:DefaultFrom"));

    [Test]
    public void Should_refuse_a_prefix_the_broker_names_would_not_survive() =>
        Assert.That(new TopologyOptionsValidator().Validate(null, new TopologyOptions { Prefix = "email send" }).FailureMessage,
            Does.Contain("Topology:Prefix"));
}

[TestFixture]
public sealed class DeadLetterOptionsValidationTests
{
    [Test]
    public void Should_accept_the_defaults() =>
        Assert.That(new DeadLetterOptionsValidator().Validate(null, new DeadLetterOptions()).Succeeded, Is.True);

    [Test]
    public void Should_refuse_an_unknown_store_listing_the_known_ones() =>
        Assert.That(new DeadLetterOptionsValidator().Validate(null, new DeadLetterOptions { Store = "Mongo" }).FailureMessage,
            Does.Contain("DeadLetters:Store").And.Contain("Sqlite, Postgres").And.Contain("EMAILWORKER__DEADLETTERS__STORE"));

    [Test]
    public void Should_require_a_connection_string_for_postgres_and_never_repeat_it()
    {
        var missing = new DeadLetterOptionsValidator().Validate(null, new DeadLetterOptions { Store = "Postgres" });
        var wrong = new DeadLetterOptionsValidator().Validate(null, new DeadLetterOptions { Store = "postgres", ConnectionString = "Pass=S3cret-9x;;=" });
        var right = new DeadLetterOptionsValidator().Validate(null,
            new DeadLetterOptions { Store = "Postgres", ConnectionString = "Host=db;Database=emailworker;Username=u;Password=S3cret-9x" });

        Assert.Multiple(() =>
        {
            Assert.That(missing.FailureMessage, Does.Contain("DeadLetters:ConnectionString"));
            Assert.That(wrong.FailureMessage, Does.Contain("DeadLetters:ConnectionString").And.Not.Contain("S3cret-9x"));
            Assert.That(right.Succeeded, Is.True);
        });
    }

    [TestCase("", "DataDirectory")]
    public void Should_require_a_data_directory_for_sqlite(string directory, string key) =>
        Assert.That(new DeadLetterOptionsValidator().Validate(null, new DeadLetterOptions { DataDirectory = directory }).FailureMessage,
            Does.Contain($"DeadLetters:{key}"));

    [TestCase("forever")]
    [TestCase("30")]
    public void Should_refuse_a_retention_without_a_unit(string retention) =>
        Assert.That(new DeadLetterOptionsValidator().Validate(null, new DeadLetterOptions { Retention = retention }).FailureMessage,
            Does.Contain("DeadLetters:Retention"));

    [Test]
    public void Should_refuse_a_batch_size_outside_the_prefetch_range() =>
        Assert.That(new DeadLetterOptionsValidator().Validate(null, new DeadLetterOptions { IngestBatchSize = 0 }).FailureMessage,
            Does.Contain("DeadLetters:IngestBatchSize"));
}
