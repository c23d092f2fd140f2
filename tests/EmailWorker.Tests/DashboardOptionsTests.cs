using EmailWorker.Dashboard;

namespace EmailWorker.Tests;

[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class DashboardOptionsTests
{
    private static readonly DashboardOptionsValidator Validator = new();
    private static readonly string Hash = PasswordHashes.Hash("a-password-long-enough");

    private static DashboardOptions With(string role = "operator", string? hash = null, string name = "alice") => new()
    {
        Users = new(StringComparer.OrdinalIgnoreCase) { [name] = new DashboardUser { Role = role, PasswordHash = hash ?? Hash } },
    };

    [Test]
    public void Should_accept_a_user_with_a_role_and_a_hash_on_localhost() => Assert.Multiple(() =>
    {
        Assert.That(Validator.Validate(null, With()).Succeeded, Is.True);
        Assert.That(new DashboardOptions().UrlList, Is.EqualTo(new[] { "http://127.0.0.1:9470" }), "localhost by default");
    });

    [TestCase("10.0.0.5")]
    [TestCase("10.0.0.5; 10.1.0.0/16;::1")]
    public void Should_accept_known_proxies_as_addresses_and_networks(string proxies)
    {
        var options = With();
        options.KnownProxies = proxies;
        Assert.That(Validator.Validate(null, options).Succeeded, Is.True);
    }

    [TestCase("proxy.example.com")]
    [TestCase("10.0.0.0/33")]
    public void Should_refuse_a_known_proxy_that_is_not_an_address_or_a_network(string proxies)
    {
        var options = With();
        options.KnownProxies = proxies;
        Assert.That(Validator.Validate(null, options).FailureMessage, Does.Contain("Dashboard:KnownProxies").And.Contain(proxies));
    }

    [Test]
    public void Should_refuse_to_start_without_users() =>
        Assert.That(Validator.Validate(null, new DashboardOptions()).FailureMessage,
            Does.Contain("Dashboard:Users names no user").And.Contain("hash-password").And.Contain("EMAILWORKER__DASHBOARD__USERS"));

    [Test]
    public void Should_refuse_an_unknown_role_a_bad_name_and_a_password_in_place_of_a_hash() => Assert.Multiple(() =>
    {
        Assert.That(Validator.Validate(null, With(role: "admin")).FailureMessage, Does.Contain("Dashboard:Users:alice:Role is 'admin'"));
        Assert.That(Validator.Validate(null, With(name: "al ice")).FailureMessage, Does.Contain("is not a user name"));
        var plain = Validator.Validate(null, With(hash: "hunter2-the-password")).FailureMessage;
        Assert.That(plain, Does.Contain("Dashboard:Users:alice:PasswordHash is not a password hash"));
        Assert.That(plain, Does.Not.Contain("hunter2"), "what was written there may be a password: never repeated");
    });

    [Test]
    public void Should_verify_only_the_right_password() => Assert.Multiple(() =>
    {
        var user = new DashboardUser { Role = "viewer", PasswordHash = Hash };
        Assert.That(PasswordHashes.Verify(user, "a-password-long-enough"), Is.True);
        Assert.That(PasswordHashes.Verify(user, "a-password-long-enougH"), Is.False);
        Assert.That(PasswordHashes.Verify(null, "a-password-long-enough"), Is.False, "an unknown user never logs in");
        Assert.That(Hash, Does.Not.Contain("a-password"));
    });

    [Test]
    public void Should_escape_every_interpolated_value_but_markup()
    {
        const string reason = "<script>alert('x')</script> & \"quoted\"";
        var inner = Html.Of($"<b>{reason}</b>");
        var page = Html.Of($"<td title=\"{reason}\">{inner}{42}</td>");
        Assert.That(page.Text, Is.EqualTo(
            "<td title=\"&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;quoted&quot;\"><b>&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;quoted&quot;</b>42</td>"));
    }
}
