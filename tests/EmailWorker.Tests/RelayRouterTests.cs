using EmailWorker.Configuration;
using EmailWorker.Delivery.Relays;

namespace EmailWorker.Tests;

/// <summary>Which relay a message goes to: its field, else the first route that matches, else by weight — and failover within what that allows.</summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class RelayRouterTests
{
    private static readonly WeightedRelay[] Relays = [new("ses-eu", 3), new("ses-us", 1), new("backup", 0)];

    private static readonly RelayRouter Router = new(
    [
        new RouteOptions { SenderDomain = "example.com", Relays = ["ses-eu", "backup"] },
        new RouteOptions { Tag = "bulk", Relays = ["ses-us", "backup"] },
        new RouteOptions { Tag = "tenant=acme", Relays = ["backup"] },
    ], Relays);

    private static readonly Dictionary<string, string> NoTags = [];

    private static Func<string, RelayHealth> Health(params (string Relay, RelayHealth Health)[] unusual) =>
        name => unusual.FirstOrDefault(u => u.Relay == name) is { Relay: not null } found ? found.Health : RelayHealth.Usable;

    private static string? Choose(RelayRoute route, Func<string, RelayHealth>? health = null, double draw = 0) =>
        RelayRouter.Choose(route, health ?? Health(), draw);

    [Test]
    public void Should_send_through_the_relay_the_message_names_even_against_a_route() =>
        Assert.That(Choose(Router.RouteFor("SES-US", "shop@example.com", NoTags)), Is.EqualTo("ses-us"));

    [Test]
    public void Should_route_by_sender_domain_without_regard_to_case() =>
        Assert.That(Choose(Router.RouteFor(null, "shop@Example.COM", NoTags)), Is.EqualTo("ses-eu"));

    [Test]
    public void Should_not_route_a_subdomain_by_its_parent_domain() =>
        Assert.That(Router.RouteFor(null, "shop@mail.example.com", NoTags).Ordered, Is.False);

    [Test]
    public void Should_route_by_a_tag_key_or_a_tag_value()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Choose(Router.RouteFor(null, "a@other.org", new Dictionary<string, string> { ["bulk"] = "" })), Is.EqualTo("ses-us"));
            Assert.That(Choose(Router.RouteFor(null, "a@other.org", new Dictionary<string, string> { ["tenant"] = "acme" })), Is.EqualTo("backup"));
            Assert.That(Router.RouteFor(null, "a@other.org", new Dictionary<string, string> { ["tenant"] = "other" }).Ordered, Is.False, "another value does not match");
        });
    }

    [Test]
    public void Should_take_the_first_route_that_matches() =>
        Assert.That(Choose(Router.RouteFor(null, "shop@example.com", new Dictionary<string, string> { ["bulk"] = "" })), Is.EqualTo("ses-eu"));

    [Test]
    public void Should_fail_over_to_the_next_relay_of_the_route_while_the_first_is_down_and_come_back_after() =>
        Assert.Multiple(() =>
        {
            var route = Router.RouteFor(null, "shop@example.com", NoTags);
            Assert.That(Choose(route, Health(("ses-eu", RelayHealth.Down))), Is.EqualTo("backup"));
            Assert.That(Choose(route, Health(("ses-eu", RelayHealth.ThrottlingHard))), Is.EqualTo("backup"), "or throttles hard");
            Assert.That(Choose(route), Is.EqualTo("ses-eu"), "back once it recovered");
        });

    [Test]
    public void Should_take_a_relay_that_throttles_hard_when_the_route_has_no_better_one() =>
        Assert.That(Choose(Router.RouteFor(null, "shop@example.com", NoTags), Health(("ses-eu", RelayHealth.ThrottlingHard), ("backup", RelayHealth.Down))),
            Is.EqualTo("ses-eu"));

    [Test]
    public void Should_choose_none_when_every_relay_the_route_allows_is_down() =>
        Assert.Multiple(() =>
        {
            Assert.That(Choose(Router.RouteFor("ses-us", "a@other.org", NoTags), Health(("ses-us", RelayHealth.Down))), Is.Null,
                "a relay the message names is the only one it may go to");
            Assert.That(Choose(Router.RouteFor(null, "shop@example.com", NoTags), Health(("ses-eu", RelayHealth.Down), ("backup", RelayHealth.Down))), Is.Null);
        });

    [TestCase(0.0, "ses-eu")]
    [TestCase(0.74, "ses-eu")]
    [TestCase(0.75, "ses-us")]
    [TestCase(0.999, "ses-us")]
    public void Should_choose_by_weight_when_no_route_matches_leaving_out_relays_of_weight_zero(double draw, string expected) =>
        Assert.That(Choose(Router.RouteFor(null, "a@other.org", NoTags), draw: draw), Is.EqualTo(expected));

    [Test]
    public void Should_choose_by_weight_among_the_rest_while_one_is_down() =>
        Assert.That(Enumerable.Range(0, 10).Select(i => Choose(Router.RouteFor(null, "a@other.org", NoTags), Health(("ses-eu", RelayHealth.Down)), i / 10.0)),
            Is.All.EqualTo("ses-us"));

    [Test]
    public void Should_fall_back_to_a_relay_of_weight_zero_when_every_weighted_one_is_down() =>
        Assert.That(Choose(Router.RouteFor(null, "a@other.org", NoTags), Health(("ses-eu", RelayHealth.Down), ("ses-us", RelayHealth.Down)), 0.5),
            Is.EqualTo("backup"));
}
