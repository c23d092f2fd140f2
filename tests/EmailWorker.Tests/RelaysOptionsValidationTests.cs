using EmailWorker.Configuration;

namespace EmailWorker.Tests;

/// <summary><c>Smtp:Relays</c> and <c>Smtp:Routes</c>: one form only, every relay named and valid, routes that name configured relays.</summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class RelaysOptionsValidationTests
{
    private static RelayOptions Relay(string name, int weight = 1) => new() { Name = name, Host = $"{name}.example.com", Weight = weight };

    private static SmtpOptions TwoRelays(params RouteOptions[] routes) => new() { Relays = [Relay("ses-eu"), Relay("backup", weight: 0)], Routes = [.. routes] };

    private static string? Validate(SmtpOptions options) => new SmtpOptionsValidator().Validate(null, options).FailureMessage;

    [Test]
    public void Should_accept_named_relays_with_routes_by_domain_and_tag() =>
        Assert.That(Validate(TwoRelays(
            new RouteOptions { SenderDomain = "example.com", Relays = ["ses-eu", "backup"] },
            new RouteOptions { Tag = "tenant=acme", Relays = ["backup"] })), Is.Null);

    [Test]
    public void Should_resolve_the_single_relay_keys_as_one_relay_named_default()
    {
        var relays = RelaySettings.All(new SmtpOptions { Host = "smtp.example.com", PoolSize = 3, Adaptive = new AdaptiveOptions { MaxRatePerSecond = 14 } });

        Assert.That(relays.Select(r => (r.Name, r.Connection.Host, r.Connection.PoolSize, r.MaxRatePerSecond)),
            Is.EqualTo(new[] { ("default", "smtp.example.com", 3, (double?)14) }));
    }

    [Test]
    public void Should_give_a_relay_the_single_relay_keys_it_leaves_out_as_defaults()
    {
        var options = TwoRelays();
        options.Port = 587;
        options.Security = "StartTls";
        options.PoolSize = 6;
        options.Relays[1].PoolSize = 2;

        var relays = RelaySettings.All(options);

        Assert.That(relays.Select(r => (r.Name, r.Connection.Port, r.Connection.Security, r.Connection.PoolSize)),
            Is.EqualTo(new[] { ("ses-eu", 587, "StartTls", 6), ("backup", 587, "StartTls", 2) }));
    }

    [TestCase("Host")]
    [TestCase("Username")]
    public void Should_refuse_both_forms_at_once(string key)
    {
        var options = TwoRelays();
        if (key == "Host")
            options.Host = "localhost";
        else
            options.Username = "user";

        Assert.That(Validate(options), Does.Contain($"Smtp:{key} is set while Smtp:Relays lists relays"));
    }

    [TestCase("", TestName = "an empty name")]
    [TestCase("ses eu", TestName = "a name with a space")]
    [TestCase("SES-EU", TestName = "a name an earlier relay has, in other case")]
    public void Should_refuse_a_relay_name_that_is_not_its_own(string name)
    {
        var options = TwoRelays();
        options.Relays[1].Name = name;

        Assert.That(Validate(options), Does.Contain("Smtp:Relays:1:Name").And.Contain("EMAILWORKER__SMTP__RELAYS__1__NAME"));
    }

    [Test]
    public void Should_check_each_relay_as_the_single_relay_keys_are_checked()
    {
        var options = TwoRelays();
        options.Relays[0].Host = "";
        options.Relays[1].Security = "Auto";
        options.Relays[1].PoolSize = 8;
        options.Relays[1].MinConnections = 9;

        Assert.That(Validate(options), Does.Contain("Smtp:Relays:0:Host is empty")
            .And.Contain("Smtp:Relays:1:Security is 'Auto'")
            .And.Contain("Smtp:Relays:1:MinConnections is 9"));
    }

    [Test]
    public void Should_refuse_relays_that_no_message_without_a_route_could_go_to()
    {
        var options = TwoRelays();
        options.Relays[0].Weight = 0;

        Assert.That(Validate(options), Does.Contain("has no relay with a Weight above 0"));
    }

    [Test]
    public void Should_refuse_a_route_to_a_relay_that_is_not_configured() =>
        Assert.That(Validate(TwoRelays(new RouteOptions { SenderDomain = "example.com", Relays = ["ses-us"] })),
            Does.Contain("Smtp:Routes:0:Relays names 'ses-us', which is not a configured relay"));

    [Test]
    public void Should_refuse_a_route_to_a_named_relay_with_the_single_relay_keys() =>
        Assert.That(Validate(new SmtpOptions { Host = "h", Routes = [new RouteOptions { Tag = "bulk", Relays = ["ses-eu"] }] }),
            Does.Contain("Smtp:Routes:0:Relays names 'ses-eu'").And.Contain("use one of default"));

    [TestCase(null, null, TestName = "neither a sender domain nor a tag")]
    [TestCase("example.com", "bulk", TestName = "both a sender domain and a tag")]
    public void Should_refuse_a_route_that_does_not_match_by_exactly_one_thing(string? domain, string? tag) =>
        Assert.That(Validate(TwoRelays(new RouteOptions { SenderDomain = domain, Tag = tag, Relays = ["ses-eu"] })),
            Does.Contain("Smtp:Routes:0:SenderDomain and Tag: give exactly one of them"));

    [Test]
    public void Should_refuse_a_route_without_relays() =>
        Assert.That(Validate(TwoRelays(new RouteOptions { Tag = "bulk" })), Does.Contain("Smtp:Routes:0:Relays is empty"));
}
