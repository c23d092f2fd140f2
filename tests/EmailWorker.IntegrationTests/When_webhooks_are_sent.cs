using System.Security.Cryptography;
using System.Text.Json;
using System.Net;
using EmailWorker.IntegrationTests.Dashboard;
using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests;

/// <summary>
/// Webhooks end to end: the worker as a process, the status events of real deliveries through its outbox to a Kestrel
/// receiver on loopback that verifies every signature with the StandardWebhooks package. Counted at the receiver: which
/// webhook ids it accepted and how often, which secrets verified each request. A short retry schedule keeps it fast.
/// </summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_webhooks_are_sent
{
    private static readonly string OldSecret = NewSecret();
    private static readonly string NewSecretValue = NewSecret();
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Test]
    public async Task Should_deliver_every_event_signed_once_per_webhook_id_and_lose_none_while_the_receiver_is_down()
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        await using var receiver = new WebhookReceiver(new Dictionary<string, string> { ["old"] = OldSecret, ["new"] = NewSecretValue });
        try
        {
            var environment = Endpoints(receiver,
                ("all", [OldSecret, NewSecretValue], null),
                ("acme", [NewSecretValue], "acme"));
            await using var worker = await StartAsync(context, environment);

            var messageIds = Enumerable.Range(1, 20).Select(i => $"hook-{i}").ToList();
            var acmeIds = messageIds.Where((_, i) => i % 2 == 0).ToHashSet();
            await context.PublishJsonAsync(messageIds.Select(id => Message(id, acmeIds.Contains(id) ? "acme" : "other")));
            Assert.That(await WorkerTestContext.EventuallyAsync(() => Task.FromResult(context.DeliveredMessageIds().Count == 20), Deadline), Is.True, worker.Output);
            // Down: the port takes connections and drops them; the dispatcher keeps trying. Then up, answering 503 to the
            // first ten requests, then 204.
            Assert.That(await WorkerTestContext.EventuallyAsync(() => Task.FromResult(receiver.Dropped >= 30), Deadline), Is.True, worker.Output);
            var refused = 0;
            receiver.Answer = _ => Interlocked.Increment(ref refused) <= 10 ? 503 : 204;
            await receiver.StartAsync();
            Assert.That(await WorkerTestContext.EventuallyAsync(
                () => Task.FromResult(receiver.Accepted("all").Count >= 20 && receiver.Accepted("acme").Count >= 10), Deadline), Is.True, worker.Output);
            // The receiver's 2xx comes before the dispatcher records it: wait until the store says so too.
            var listed = (ExitCode: -1, Stdout: "", Stderr: "");
            Assert.That(await WorkerTestContext.EventuallyAsync(async () =>
            {
                listed = await CliRun.RunAsync(context.WorkerEnvironment(environment), "webhooks", "list", "--json");
                return listed.ExitCode == 0 && JsonDocument.Parse(listed.Stdout).RootElement.EnumerateArray().All(e => e.GetProperty("pending").GetInt64() == 0);
            }, Deadline), Is.True, listed.Stdout + listed.Stderr);

            var all = receiver.Accepted("all");
            var acme = receiver.Accepted("acme");
            var answered503 = receiver.Requests.Where(r => r.Status == 503).ToList();
            Assert.Multiple(() =>
            {
                Assert.That(all, Has.Count.EqualTo(20));
                Assert.That(all.Select(r => r.WebhookId).Distinct().Count(), Is.EqualTo(20), "each webhook id accepted exactly once");
                Assert.That(all.Select(r => r.MessageId), Is.EquivalentTo(messageIds));
                Assert.That(all.Select(r => JsonDocument.Parse(r.Payload).RootElement.GetProperty("type").GetString()), Is.All.EqualTo("email.delivered"));
                Assert.That(acme.Select(r => r.MessageId), Is.EquivalentTo(acmeIds), "the tag filter: only tenant acme's");
                Assert.That(acme.Select(r => r.WebhookId), Is.SubsetOf(all.Select(r => r.WebhookId)), "an event has one webhook id for every endpoint");
                Assert.That(receiver.Requests.Where(r => r.Endpoint == "all").Select(r => r.VerifiedWith), Is.All.EquivalentTo(new[] { "old", "new" }),
                    "during rotation every request verifies with either secret");
                Assert.That(receiver.Requests.Where(r => r.Endpoint == "acme").Select(r => r.VerifiedWith), Is.All.EquivalentTo(new[] { "new" }));
                Assert.That(answered503, Has.Count.EqualTo(10));
                Assert.That(answered503.Select(r => r.WebhookId), Is.SubsetOf(all.Select(r => r.WebhookId).Concat(acme.Select(r => r.WebhookId))),
                    "a retry carries the same webhook id");
                Assert.That(listed.ExitCode, Is.Zero, listed.Stderr);
                Assert.That(JsonDocument.Parse(listed.Stdout).RootElement.EnumerateArray()
                        .Select(e => (e.GetProperty("name").GetString(), e.GetProperty("pending").GetInt64(), e.GetProperty("delivered").GetInt64(),
                            e.GetProperty("failed").GetInt64(), e.GetProperty("enabled").GetBoolean())),
                    Is.EqualTo(new[] { ("all", 0L, 20L, 0L, true), ("acme", 0L, 10L, 0L, true) }));
                Assert.That(listed.Stdout, Does.Not.Contain(OldSecret[6..]).And.Not.Contain(NewSecretValue[6..]), "no secret is shown");
            });
            Assert.That(worker.Output, Does.Not.Contain(OldSecret[6..]).And.Not.Contain(NewSecretValue[6..]), "no secret is logged");
        }
        finally
        {
            await DeleteWebhookQueueAsync(context);
        }
    }

    [Test]
    public async Task Should_disable_an_endpoint_that_answers_410_until_an_operator_replays_it()
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        await using var receiver = new WebhookReceiver(new Dictionary<string, string> { ["secret"] = NewSecretValue });
        try
        {
            var gone = 1;
            receiver.Answer = endpoint => endpoint == "gone" && Volatile.Read(ref gone) == 1 ? 410 : 204;
            await receiver.StartAsync();
            var environment = Endpoints(receiver, ("gone", [NewSecretValue], null), ("ok", [NewSecretValue], null));
            await using var worker = await StartAsync(context, environment);

            var messageIds = new[] { "gone-1", "gone-2", "gone-3" };
            await context.PublishJsonAsync(messageIds.Select(id => Message(id, "other")));
            Assert.That(await WorkerTestContext.EventuallyAsync(() => Task.FromResult(receiver.Accepted("ok").Count == 3), Deadline), Is.True, worker.Output);
            // Requests already in flight when the first 410 came back get their own 410: each such row has failed; the others wait.
            Assert.That(await WorkerTestContext.EventuallyAsync(async () => Endpoint(await ListAsync(context, environment), "gone") is { } g
                && !g.GetProperty("enabled").GetBoolean() && g.GetProperty("failed").GetInt64() + g.GetProperty("pending").GetInt64() == 3
                && g.GetProperty("failed").GetInt64() == receiver.Requests.Count(r => r.Endpoint == "gone"), Deadline), Is.True, worker.Output);
            var failures = await CliRun.RunAsync(context.WorkerEnvironment(environment), "webhooks", "failures", "--json");
            var failed = JsonDocument.Parse(failures.Stdout).RootElement.EnumerateArray().ToList();
            var goneRequests = receiver.Requests.Where(r => r.Endpoint == "gone").ToList();
            Assert.Multiple(() =>
            {
                Assert.That(goneRequests.Select(r => r.Status), Is.All.EqualTo(410));
                Assert.That(goneRequests, Has.Count.InRange(1, 3));
                Assert.That(failed.Select(f => (f.GetProperty("endpoint").GetString(), f.GetProperty("webhookId").GetString(), f.GetProperty("lastStatus").GetInt32(),
                        f.GetProperty("attempts").GetInt32())),
                    Is.EquivalentTo(goneRequests.Select(r => ("gone", r.WebhookId, 410, 1))), "each request answered 410 failed its webhook at once");
            });

            Volatile.Write(ref gone, 0);
            var replay = await CliRun.RunAsync(context.WorkerEnvironment(environment), "webhooks", "replay", "--endpoint", "gone");
            Assert.That(replay.ExitCode, Is.Zero, replay.Stderr);
            Assert.That(replay.Stdout, Does.EndWith($"replayed {failed.Count} webhook(s); gone is enabled\n"), "after the audit log's line");
            Assert.That(await WorkerTestContext.EventuallyAsync(() => Task.FromResult(receiver.Accepted("gone").Count == 3), Deadline), Is.True, worker.Output);
            Assert.Multiple(() =>
            {
                Assert.That(receiver.Accepted("gone").Select(r => r.WebhookId), Is.EquivalentTo(receiver.Accepted("ok").Select(r => r.WebhookId)));
                Assert.That(receiver.Requests.Where(r => r.Endpoint == "gone").Select(r => r.WebhookId).Distinct().Count(), Is.EqualTo(3),
                    "a replayed webhook keeps its id");
                Assert.That(receiver.Accepted("gone").GroupBy(r => r.WebhookId).Select(g => g.Count()), Is.All.EqualTo(1));
                Assert.That(receiver.Requests.Select(r => r.VerifiedWith), Is.All.EquivalentTo(new[] { "secret" }));
            });
        }
        finally
        {
            await DeleteWebhookQueueAsync(context);
        }
    }

    [Test]
    public async Task Should_show_failures_on_the_dashboard_and_let_only_an_operator_replay_them()
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        await using var receiver = new WebhookReceiver(new Dictionary<string, string> { ["secret"] = NewSecretValue });
        try
        {
            var up = 0;
            receiver.Answer = _ => Volatile.Read(ref up) == 1 ? 204 : 500;
            await receiver.StartAsync();
            var environment = Endpoints(receiver, ("down", [NewSecretValue], null));
            // Two attempts: at once and a second later; then the row has failed.
            environment["EMAILWORKER__WEBHOOKS__SCHEDULE"] = "1s";
            await using var worker = await StartAsync(context, environment);
            await context.PublishJsonAsync(new[] { "dash-1", "dash-2" }.Select(id => Message(id, "other")));
            Assert.That(await WorkerTestContext.EventuallyAsync(async () => Endpoint(await ListAsync(context, environment), "down") is { } e
                && e.GetProperty("failed").GetInt64() == 2, Deadline), Is.True, worker.Output);
            var failedIds = receiver.Requests.Select(r => r.WebhookId).Distinct().ToList();
            await using var dashboard = await DashboardProcess.StartAsync(context, "http://127.0.0.1:9/metrics", environment);

            using var viewer = new DashboardHttp(dashboard.BaseUrl);
            using (var login = await viewer.LogInAsync(DashboardProcess.Viewer, DashboardProcess.ViewerPassword))
                Assert.That(login.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
            var viewerPage = await viewer.GetStringAsync("/webhooks");
            using var viewerPost = await viewer.PostFormAsync("/actions/webhooks/replay",
                [new("csrf", DashboardHttp.CsrfOf(viewerPage)), new("endpoint", "down")]);
            using var operatorHttp = new DashboardHttp(dashboard.BaseUrl);
            using (var login = await operatorHttp.LogInAsync(DashboardProcess.Operator, DashboardProcess.OperatorPassword))
                Assert.That(login.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
            var operatorPage = await operatorHttp.GetStringAsync("/webhooks");
            using var noToken = await operatorHttp.PostFormAsync("/actions/webhooks/replay", [new("endpoint", "down")]);
            Assert.Multiple(() =>
            {
                Assert.That(failedIds, Has.Count.EqualTo(2));
                Assert.That(viewerPage, Does.Contain(failedIds[0]).And.Contain(failedIds[1]).And.Contain("500 Internal Server Error"), "a viewer sees the failures");
                Assert.That(viewerPage, Does.Not.Contain("/actions/webhooks/replay"), "but no replay button");
                Assert.That(viewerPost.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
                Assert.That(operatorPage, Does.Contain("/actions/webhooks/replay"));
                Assert.That(noToken.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), "no CSRF token, no action");
                Assert.That(viewerPage + operatorPage, Does.Not.Contain(NewSecretValue[6..]), "no secret on the page");
            });

            Volatile.Write(ref up, 1);
            using var replay = await operatorHttp.PostFormAsync("/actions/webhooks/replay",
                [new("csrf", DashboardHttp.CsrfOf(operatorPage)), new("endpoint", "down")]);
            var replayed = await replay.Content.ReadAsStringAsync();
            Assert.That(await WorkerTestContext.EventuallyAsync(() => Task.FromResult(receiver.Accepted("down").Count == 2), Deadline), Is.True, worker.Output);
            var audit = await operatorHttp.GetStringAsync("/audit");
            Assert.Multiple(() =>
            {
                Assert.That(replay.StatusCode, Is.EqualTo(HttpStatusCode.OK));
                Assert.That(replayed, Does.Contain("Replayed 2 failed webhook(s) (endpoint down)"));
                Assert.That(receiver.Accepted("down").Select(r => r.WebhookId), Is.EquivalentTo(failedIds), "sent again with their ids");
                Assert.That(audit, Does.Contain("webhook-replay").And.Contain("endpoint down").And.Contain(DashboardProcess.Operator));
            });
        }
        finally
        {
            await DeleteWebhookQueueAsync(context);
        }
    }

    private static async Task<WorkerProcess> StartAsync(WorkerTestContext context, Dictionary<string, string> environment)
    {
        var worker = await context.StartConsumingAsync(environment);
        // Events published before the writer's queue is bound would not reach it.
        Assert.That(await worker.WaitForOutputAsync("the outbox writer consumes", TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        return worker;
    }

    private static Dictionary<string, string> Endpoints(WebhookReceiver receiver, params (string Name, string[] Secrets, string? Tenant)[] endpoints)
    {
        var environment = new Dictionary<string, string>
        {
            ["EMAILWORKER__WEBHOOKS__ALLOWLOOPBACKHTTP"] = "true",
            // Twenty one-second waits: a receiver down for a few seconds is met well within the schedule.
            ["EMAILWORKER__WEBHOOKS__SCHEDULE"] = string.Join(',', Enumerable.Repeat("1s", 20)),
            ["EMAILWORKER__WEBHOOKS__JITTERPERCENT"] = "0",
        };
        for (var i = 0; i < endpoints.Length; i++)
        {
            var (name, secrets, tenant) = endpoints[i];
            var key = $"EMAILWORKER__WEBHOOKS__ENDPOINTS__{i}__";
            environment[key + "NAME"] = name;
            environment[key + "URL"] = receiver.UrlOf(name);
            environment[key + "EVENTTYPES__0"] = "email.delivered";
            for (var s = 0; s < secrets.Length; s++)
                environment[key + $"SECRETS__{s}"] = secrets[s];
            if (tenant is not null)
                environment[key + "TAGS__tenant"] = tenant;
        }
        return environment;
    }

    private static async Task<JsonElement> ListAsync(WorkerTestContext context, Dictionary<string, string> environment)
    {
        var listed = await CliRun.RunAsync(context.WorkerEnvironment(environment), "webhooks", "list", "--json");
        Assert.That(listed.ExitCode, Is.Zero, listed.Stderr);
        return JsonDocument.Parse(listed.Stdout).RootElement.Clone();
    }

    private static JsonElement? Endpoint(JsonElement list, string name) =>
        list.EnumerateArray().Where(e => e.GetProperty("name").GetString() == name).Select(e => (JsonElement?)e).FirstOrDefault();

    private static object Message(string messageId, string tenant) => new
    {
        messageId,
        to = new[] { new { address = "ann@example.org" } },
        subject = "s",
        text = "t",
        tags = new Dictionary<string, string> { ["tenant"] = tenant },
    };

    private static string NewSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private static async Task DeleteWebhookQueueAsync(WorkerTestContext context)
    {
        await Cleanup.QuietlyAsync(async token =>
        {
            var connection = await context.ConnectionAsync();
            await using var channel = await connection.CreateChannelAsync(cancellationToken: token);
            await channel.QueueDeleteAsync($"{context.Prefix}.webhooks", ifUnused: false, ifEmpty: false, cancellationToken: token);
        });
    }
}
