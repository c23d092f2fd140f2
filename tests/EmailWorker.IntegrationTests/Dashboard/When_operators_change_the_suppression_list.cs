using System.Net;
using System.Text.Json;
using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests.Dashboard;

/// <summary>
/// The dashboard's suppression page over HTTP on a real store, filled with <c>suppress import</c>: a viewer sees the list a
/// page at a time and searches it by the start of an address, with text from the store escaped, and cannot change it; an
/// operator adds and removes entries only with the CSRF token, bad input is refused, and every change is in the audit log
/// with who made it. What the store holds is read back with <c>suppress list --json</c>.
/// </summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_operators_change_the_suppression_list
{
    private const string Script = "<script>alert(1)</script>";

    [Test]
    public async Task Should_show_viewers_the_list_and_let_only_operators_change_it()
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        Directory.CreateDirectory(context.DataDirectory);
        var file = Path.Combine(context.DataDirectory, "seed.csv");
        await File.WriteAllLinesAsync(file, Enumerable.Range(0, 60).Select(i => $"r{i:D2}@x.test,hard_bounce,worker")
            .Prepend("address,reason,createdBy").Append($"zed@y.test,complaint,\"{Script}\""));
        var imported = await CliRun.RunAsync(context.WorkerEnvironment(), "suppress", "import", file);
        Assert.That(imported.ExitCode, Is.Zero, imported.Stderr);
        await using var dashboard = await DashboardProcess.StartAsync(context, "http://127.0.0.1:9/metrics");

        using var viewer = new DashboardHttp(dashboard.BaseUrl);
        using (var login = await viewer.LogInAsync(DashboardProcess.Viewer, DashboardProcess.ViewerPassword))
            Assert.That(login.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        var firstPage = await viewer.GetStringAsync("/suppressions");
        var secondPage = await viewer.GetStringAsync("/suppressions?prefix=&after=r49%40x.test&scope=global");
        var found = await viewer.GetStringAsync("/suppressions?prefix=ZED");
        using var viewerPost = await viewer.PostFormAsync("/actions/suppressions/add",
            [new("csrf", DashboardHttp.CsrfOf(firstPage)), new("address", "eve@x.test"), new("reason", "manual")]);
        Assert.Multiple(() =>
        {
            Assert.That(firstPage, Does.Contain("r00@x.test").And.Contain("r49@x.test").And.Not.Contain("r50@x.test"), "50 entries a page");
            Assert.That(firstPage, Does.Contain("after=r49%40x.test&amp;scope=global\">Next page"));
            Assert.That(secondPage, Does.Contain("r50@x.test").And.Contain("r59@x.test").And.Contain("zed@y.test").And.Not.Contain("r49@x.test"));
            Assert.That(found, Does.Contain("zed@y.test").And.Not.Contain("r00@x.test"), "searched by the start of the address, in any case");
            Assert.That(found, Does.Contain("&lt;script&gt;alert(1)&lt;/script&gt;").And.Not.Contain(Script), "text from the store is escaped");
            Assert.That(firstPage, Does.Not.Contain("/actions/suppressions"), "a viewer has no add or remove form");
            Assert.That(viewerPost.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        });

        using var operatorHttp = new DashboardHttp(dashboard.BaseUrl);
        using (var login = await operatorHttp.LogInAsync(DashboardProcess.Operator, DashboardProcess.OperatorPassword))
            Assert.That(login.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        var operatorPage = await operatorHttp.GetStringAsync("/suppressions");
        var csrf = DashboardHttp.CsrfOf(operatorPage);
        using var noToken = await operatorHttp.PostFormAsync("/actions/suppressions/add", [new("address", "eve@x.test"), new("reason", "manual")]);
        using var badAddress = await operatorHttp.PostFormAsync("/actions/suppressions/add",
            [new("csrf", csrf), new("address", "Eve <eve@x.test>"), new("reason", "manual")]);
        using var add = await operatorHttp.PostFormAsync("/actions/suppressions/add", [new("csrf", csrf), new("address", "Ann@Example.org"), new("reason", "complaint")]);
        using var remove = await operatorHttp.PostFormAsync("/actions/suppressions/remove", [new("csrf", csrf), new("address", "r00@x.test"), new("scope", "global")]);
        using var addForStream = await operatorHttp.PostFormAsync("/actions/suppressions/add",
            [new("csrf", csrf), new("address", "r01@x.test"), new("reason", "manual"), new("stream", "broadcast")]);
        using var badStream = await operatorHttp.PostFormAsync("/actions/suppressions/add",
            [new("csrf", csrf), new("address", "eve@x.test"), new("reason", "manual"), new("stream", "Broadcast")]);
        using var removeOtherScope = await operatorHttp.PostFormAsync("/actions/suppressions/remove",
            [new("csrf", csrf), new("address", "r02@x.test"), new("scope", "broadcast")]);
        var badAddressPage = await badAddress.Content.ReadAsStringAsync();
        var withScopes = await operatorHttp.GetStringAsync("/suppressions?prefix=r01");
        var audit = await operatorHttp.GetStringAsync("/audit");
        var listed = await CliRun.RunAsync(context.WorkerEnvironment(), "suppress", "list", "--json");
        Assert.That(listed.ExitCode, Is.Zero, listed.Stderr);
        var entries = JsonDocument.Parse(listed.Stdout).RootElement.EnumerateArray()
            .ToDictionary(e => (e.GetProperty("address").GetString()!, e.GetProperty("scope").GetString()!),
                e => (e.GetProperty("reason").GetString(), e.GetProperty("createdBy").GetString()));
        Assert.Multiple(() =>
        {
            Assert.That(operatorPage, Does.Contain("/actions/suppressions/add").And.Contain("/actions/suppressions/remove"));
            Assert.That(noToken.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), "no CSRF token, no change");
            Assert.That(badAddress.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(badAddressPage, Does.Contain("is not a mail address").And.Contain("Eve &lt;eve@x.test&gt;"));
            Assert.That((add.StatusCode, remove.StatusCode), Is.EqualTo((HttpStatusCode.OK, HttpStatusCode.OK)));
            Assert.That(entries.GetValueOrDefault(("ann@example.org", "global")), Is.EqualTo(("complaint", DashboardProcess.Operator)), "added, lower case, by the operator");
            Assert.That(entries, Does.Not.ContainKey(("r00@x.test", "global")));
            Assert.That(entries.GetValueOrDefault(("r01@x.test", "broadcast")), Is.EqualTo(("manual", DashboardProcess.Operator)), "an entry for one stream beside the global one");
            Assert.That(entries, Does.ContainKey(("r01@x.test", "global")));
            Assert.That(entries, Does.ContainKey(("r02@x.test", "global")), "removing another scope's entry leaves the global one");
            Assert.That(badStream.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), "a stream name in upper case is refused");
            Assert.That(removeOtherScope.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(entries.Keys.Select(k => k.Item1), Does.Not.Contain("eve@x.test"), "neither the viewer's post, the post without a token, the bad address nor the bad stream added anything");
            Assert.That(entries, Has.Count.EqualTo(62));
            Assert.That(withScopes, Does.Contain("<td>r01@x.test</td><td>broadcast</td>").And.Contain("<td>r01@x.test</td><td>global</td>"));
            Assert.That(audit, Does.Contain("<td>suppress-add</td><td class=\"num\">1</td><td>ann@example.org (complaint, scope global)</td>"));
            Assert.That(audit, Does.Contain("<td>suppress-add</td><td class=\"num\">1</td><td>r01@x.test (manual, scope broadcast)</td>"));
            Assert.That(audit, Does.Contain("<td>suppress-remove</td><td class=\"num\">1</td><td>r00@x.test (scope global)</td>"));
            Assert.That(audit, Does.Contain("<td>suppress-remove</td><td class=\"num\">0</td><td>r02@x.test (scope broadcast)</td>"));
            Assert.That(audit, Does.Contain($"<td>{DashboardProcess.Operator}</td><td>operator</td><td>suppress-add"));
        });
    }
}
