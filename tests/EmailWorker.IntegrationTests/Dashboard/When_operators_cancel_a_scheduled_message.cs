using System.Net;
using System.Text.Json;
using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests.Dashboard;

/// <summary>
/// The dashboard's scheduled page over HTTP on a real store, filled by a worker that held two messages due in an hour: a
/// viewer sees them and cannot cancel; an operator cancels one only with the CSRF token, a second cancel and a bad id are
/// refused, and the cancel is in the audit log with who made it. The store's side is read with <c>scheduled list --json</c>.
/// </summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_operators_cancel_a_scheduled_message
{
    [Test]
    public async Task Should_show_viewers_the_held_messages_and_let_only_operators_cancel_one()
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        await using (var worker = await context.StartConsumingAsync())
        {
            var sendAt = DateTimeOffset.UtcNow.AddHours(1);
            await context.PublishJsonAsync([Message("later-1", sendAt), Message("later-2", sendAt.AddMinutes(1))]);
            Assert.That(await WorkerTestContext.EventuallyAsync(async () => (await ListAsync(context, all: false)).Count == 2, TimeSpan.FromSeconds(15)),
                Is.True, worker.Output);
        }
        await using var dashboard = await DashboardProcess.StartAsync(context, "http://127.0.0.1:9/metrics");

        using var viewer = new DashboardHttp(dashboard.BaseUrl);
        using (var login = await viewer.LogInAsync(DashboardProcess.Viewer, DashboardProcess.ViewerPassword))
            Assert.That(login.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        var viewerPage = await viewer.GetStringAsync("/scheduled");
        using var viewerPost = await viewer.PostFormAsync("/actions/scheduled/cancel", [new("csrf", DashboardHttp.CsrfOf(viewerPage)), new("messageId", "later-1")]);
        Assert.Multiple(() =>
        {
            Assert.That(viewerPage, Does.Contain("<td>later-1</td>").And.Contain("<td>later-2</td>").And.Contain("<td>held</td>"));
            Assert.That(viewerPage, Does.Not.Contain("/actions/scheduled"), "a viewer has no cancel form");
            Assert.That(viewerPost.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        });

        using var operatorHttp = new DashboardHttp(dashboard.BaseUrl);
        using (var login = await operatorHttp.LogInAsync(DashboardProcess.Operator, DashboardProcess.OperatorPassword))
            Assert.That(login.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        var operatorPage = await operatorHttp.GetStringAsync("/scheduled");
        var csrf = DashboardHttp.CsrfOf(operatorPage);
        using var noToken = await operatorHttp.PostFormAsync("/actions/scheduled/cancel", [new("messageId", "later-1")]);
        using var badId = await operatorHttp.PostFormAsync("/actions/scheduled/cancel", [new("csrf", csrf), new("messageId", "<b>x</b>")]);
        using var cancel = await operatorHttp.PostFormAsync("/actions/scheduled/cancel", [new("csrf", csrf), new("messageId", "later-1")]);
        using var again = await operatorHttp.PostFormAsync("/actions/scheduled/cancel", [new("csrf", csrf), new("messageId", "later-1")]);
        var afterPage = await operatorHttp.GetStringAsync("/scheduled");
        var withHistory = await operatorHttp.GetStringAsync("/scheduled?all=1");
        var audit = await operatorHttp.GetStringAsync("/audit");
        var states = await ListAsync(context, all: true);
        Assert.Multiple(() =>
        {
            Assert.That(operatorPage, Does.Contain("/actions/scheduled/cancel"));
            Assert.That(noToken.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), "no CSRF token, no cancel");
            Assert.That(badId.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That((cancel.StatusCode, again.StatusCode), Is.EqualTo((HttpStatusCode.OK, HttpStatusCode.Conflict)));
            Assert.That(afterPage, Does.Not.Contain("<td>later-1</td>").And.Contain("<td>later-2</td>"), "held ones only by default");
            Assert.That(withHistory, Does.Contain($"<td>later-1</td>").And.Contain("<td>cancelled</td>"));
            Assert.That(states, Is.EqualTo(new Dictionary<string, (string?, string?)>
            {
                ["later-1"] = ("cancelled", DashboardProcess.Operator), ["later-2"] = ("held", null),
            }));
            Assert.That(audit, Does.Contain("<td>scheduled-cancel</td><td class=\"num\">1</td><td>later-1</td>"));
            Assert.That(audit, Does.Contain("<td>scheduled-cancel</td><td class=\"num\">0</td><td>later-1</td>"));
        });
    }

    private static async Task<Dictionary<string, (string?, string?)>> ListAsync(WorkerTestContext context, bool all)
    {
        var listed = await CliRun.RunAsync(context.WorkerEnvironment(), all ? ["scheduled", "list", "--all", "--json"] : ["scheduled", "list", "--json"]);
        return listed.ExitCode != 0 ? [] : JsonDocument.Parse(listed.Stdout).RootElement.EnumerateArray().ToDictionary(
            e => e.GetProperty("messageId").GetString()!, e => (e.GetProperty("state").GetString(), e.GetProperty("changedBy").GetString()));
    }

    private static object Message(string messageId, DateTimeOffset sendAt) => new
    {
        messageId,
        to = new[] { new { address = "ann@example.org" } },
        subject = "s",
        text = "t",
        sendAt,
    };
}
