using System.Diagnostics;
using System.Text.Json;
using EmailWorker.IntegrationTests.Support;
using EmailWorker.SmtpSink;

namespace EmailWorker.IntegrationTests;

[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_operators_work_the_dead_letter_queue
{
    private static readonly string[] Classes = ["permanent", "transient", "invalid"];

    private static IEnumerable<(string, string, string)> Mixed(int count, string prefix = "dl") =>
        Enumerable.Range(0, count).Select(i => ($"{prefix}-{i}", Classes[i % 3], i % 2 == 0 ? $"user{i}@example.org" : $"user{i}@example.net"));

    [Test]
    public async Task Should_list_exactly_the_matching_letters_the_same_way_twice()
    {
        await using var context = await TopologyAsync();
        await DeadLetterFactory.PublishAsync(context, Mixed(60));
        // The store lists in the order letters arrived: the order they were published into email.dead.
        var expected = Mixed(60).Where(l => l.Item2 == "permanent" && l.Item3.EndsWith("@example.org", StringComparison.Ordinal))
            .Select(l => l.Item1).ToArray();

        var first = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "list", "--json", "--class", "permanent", "--to-domain", "example.org");
        var second = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "list", "--json", "--class", "permanent", "--to-domain", "example.org");
        var table = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "list");

        Assert.That(first.ExitCode, Is.Zero, first.Stderr);
        var rows = JsonDocument.Parse(first.Stdout).RootElement.EnumerateArray().ToArray();
        Assert.Multiple(async () =>
        {
            Assert.That(rows.Select(r => r.GetProperty("messageId").GetString()), Is.EqualTo(expected), "exactly the matching ones, oldest first");
            Assert.That(second.Stdout, Is.EqualTo(first.Stdout), "a second list shows the same set in the same order");
            Assert.That(rows[0].GetProperty("class").GetString(), Is.EqualTo("permanent"));
            Assert.That(rows[0].GetProperty("smtpCode").GetInt32(), Is.EqualTo(550));
            Assert.That(rows[0].GetProperty("attempts").GetInt32(), Is.EqualTo(1));
            Assert.That(rows[0].GetProperty("subject").GetString(), Is.EqualTo($"Subject of {expected[0]}"));
            Assert.That(rows[0].GetProperty("replayCount").GetInt32(), Is.Zero);
            Assert.That(table.Stdout, Does.Contain("60 dead letter(s)").And.Contain("MESSAGE ID"));
            Assert.That(await context.MessageCountAsync(context.DeadQueue), Is.Zero, "the first list took the letters into the store");
            Assert.That(await StoredIdsAsync(context), Is.EqualTo(Mixed(60).Select(l => l.Item1)),
                "three lists later every letter is still in the store, in order: listing changes nothing");
        });
    }

    [Test]
    public async Task Should_replay_exactly_the_selected_set_while_new_letters_stay()
    {
        await using var context = await TopologyAsync();
        await DeadLetterFactory.PublishAsync(context, Mixed(30));
        var transient = Mixed(30).Where(l => l.Item2 == "transient").Select(l => l.Item1).ToArray();

        var dryRun = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "replay", "--class", "transient", "--dry-run");
        Assert.Multiple(async () =>
        {
            Assert.That(dryRun.ExitCode, Is.Zero, dryRun.Stderr);
            Assert.That(dryRun.Stdout, Does.Contain($"{transient.Length} dead letter(s) selected: {string.Join(" ", transient)}"));
            Assert.That(await StoredIdsAsync(context), Is.EquivalentTo(Mixed(30).Select(l => l.Item1)), "a dry run changes nothing");
            Assert.That(await context.BecomesEmptyAsync(context.WorkQueue), Is.True);
        });

        await using var events = await EventCollector.StartAsync(context);
        // Paced so that new dead letters arrive while it runs.
        var replay = CliRun.Start(context.WorkerEnvironment(), "dlq", "replay", "--class", "transient", "--rate", "5", "--yes", "--by", "ops-test");
        var replayOutput = replay.StandardOutput.ReadToEndAsync();
        // Once the first letter reached the work queue, the replay has taken its set: these arrive during the replay.
        Assert.That(await WorkerTestContext.EventuallyAsync(async () => await context.MessageCountAsync(context.WorkQueue) >= 1, TimeSpan.FromSeconds(30)), Is.True);
        await DeadLetterFactory.PublishAsync(context, Mixed(10, "late").Select(l => (l.Item1, "transient", l.Item3)));
        await replay.WaitForExitAsync(TestContext.CurrentContext.CancellationToken);

        Assert.That(replay.ExitCode, Is.Zero, await replayOutput);
        var inWork = await DrainIdsAsync(context, context.WorkQueue);
        var leftIds = await StoredIdsAsync(context);
        Assert.Multiple(() =>
        {
            Assert.That(inWork.Select(m => m.Id), Is.EquivalentTo(transient), "exactly the listed set was moved");
            Assert.That(leftIds, Is.SupersetOf(Mixed(10, "late").Select(l => l.Item1)), "letters that arrived meanwhile stay");
            Assert.That(leftIds, Has.None.AnyOf(transient));
            var headers = inWork[0].Headers;
            Assert.That(Text(headers, "email-replay-count"), Is.EqualTo("1"));
            Assert.That(Text(headers, "email-replayed-by"), Is.EqualTo("ops-test"));
            Assert.That(headers.ContainsKey("email-attempt"), Is.False, "the attempt counter is reset");
            Assert.That(headers.ContainsKey("email-failure-class"), Is.False);
            Assert.That(headers.Keys, Has.None.StartsWith("x-death").And.None.StartsWith("x-first-death"));
            var history = JsonDocument.Parse(Text(headers, "email-history")!).RootElement.EnumerateArray().Select(e => e.GetProperty("outcome").GetString());
            Assert.That(history, Is.EqualTo(new[] { "dead-lettered", "replayed" }), "the history keeps the earlier attempt and the replay");
        });

        // One email.replayed status event per replayed letter, its JSON as documented (null fields left out).
        Assert.That(await WorkerTestContext.EventuallyAsync(
            () => Task.FromResult(events.Events.Count(e => e.RoutingKey == "email.replayed") >= transient.Length), TimeSpan.FromSeconds(30)), Is.True);
        var replayed = events.Events.Where(e => e.RoutingKey == "email.replayed").Select(e => e.Body).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(replayed.Select(e => e.GetProperty("messageId").GetString()), Is.EquivalentTo(transient), "one event per letter");
            Assert.That(events.Events.Select(e => e.RoutingKey), Is.All.EqualTo("email.replayed"), "no other status event");
            var first = replayed[0];
            Assert.That(first.EnumerateObject().Select(p => p.Name), Is.EquivalentTo(new[]
            {
                "messageId", "tags", "attempt", "outcome", "class", "smtpCode", "message", "timestamp", "replayedBy", "jobId",
            }));
            Assert.That(first.GetProperty("tags").GetProperty("tenant").GetString(), Is.EqualTo("acme"));
            Assert.That(first.GetProperty("attempt").GetInt32(), Is.Zero);
            Assert.That(first.GetProperty("outcome").GetString(), Is.EqualTo("replayed"));
            Assert.That(first.GetProperty("class").GetString(), Is.EqualTo("transient"));
            Assert.That(first.GetProperty("smtpCode").GetInt32(), Is.EqualTo(451));
            Assert.That(first.GetProperty("message").GetString(), Is.EqualTo("replayed by ops-test"));
            Assert.That(first.GetProperty("replayedBy").GetString(), Is.EqualTo("ops-test"));
            Assert.That(first.GetProperty("jobId").GetInt64(), Is.Positive);
        });
    }

    [Test]
    public async Task Should_deliver_replayed_letters_and_show_their_whole_history_if_they_fail_again()
    {
        await using var context = await TopologyAsync();
        // Letters the worker dead-lettered itself (the relay refused both recipients with 550 once), not hand-made ones.
        await WorkerDeadLetters.MakeAsync(context,
        [
            new { messageId = "again", to = new[] { new { address = "again@example.org" } }, subject = "Subject of again", text = "t" },
            new { messageId = "fine", to = new[] { new { address = "fine@example.org" } }, subject = "Subject of fine", text = "t" },
        ]);
        context.Smtp.Script.OnRcptTo = recipient => recipient == "again@example.org" ? new SmtpReply(550, "5.1.1 still unknown") : null;
        await using var worker = context.StartWorker();
        Assert.That(await worker.WaitForOutputAsync("Worker consuming", TimeSpan.FromSeconds(30)), Is.True, worker.Output);

        var replay = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "replay", "--all", "--yes");
        Assert.That(replay.ExitCode, Is.Zero, replay.Stderr);

        Assert.That(await context.Smtp.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        Assert.That(context.DeliveredMessageIds(), Is.EquivalentTo(new[] { "fine" }));
        // The replayed letter is history; "again" is shown once its new dead letter reached the store.
        (int ExitCode, string Stdout, string Stderr) show = default;
        Assert.That(await WorkerTestContext.EventuallyAsync(async () =>
            (show = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "show", "again", "--json")).ExitCode == 0, TimeSpan.FromSeconds(30)), Is.True, show.Stderr);
        Assert.That(await StoredIdsAsync(context), Is.EqualTo(new[] { "again" }), "one dead letter left");
        var detail = JsonDocument.Parse(show.Stdout!).RootElement[0];
        Assert.Multiple(() =>
        {
            Assert.That(detail.GetProperty("history").EnumerateArray().Select(e => e.GetProperty("outcome").GetString()),
                Is.EqualTo(new[] { "dead-lettered", "replayed", "dead-lettered" }));
            Assert.That(detail.GetProperty("record").GetProperty("replayCount").GetInt32(), Is.EqualTo(1));
            Assert.That(detail.GetProperty("record").GetProperty("attempts").GetInt32(), Is.EqualTo(1), "counted afresh after the replay");
            Assert.That(detail.GetProperty("body").GetProperty("subject").GetString(), Is.EqualTo("Subject of again"));
            Assert.That(show.Stdout, Does.Not.Contain("\"text\":"), "the body's content is not shown");
        });
    }

    [Test]
    public async Task Should_leave_each_letter_in_the_work_queue_or_dead_in_the_store_when_a_replay_is_killed_and_resume_the_rest()
    {
        await using var context = await TopologyAsync();
        var letters = Enumerable.Range(0, 200).Select(i => ($"killed-{i}", "permanent", $"k{i}@example.org")).ToArray();
        await WorkerDeadLetters.MakeAsync(context, letters.Select(l => SampleMessages.Simple(l.Item1, l.Item3)));

        var replay = CliRun.Start(context.WorkerEnvironment(), "dlq", "replay", "--all", "--rate", "50", "--yes");
        Assert.That(await WorkerTestContext.EventuallyAsync(async () => await context.MessageCountAsync(context.WorkQueue) >= 40, TimeSpan.FromSeconds(30)), Is.True);
        replay.Kill(entireProcessTree: true);
        await replay.WaitForExitAsync(TestContext.CurrentContext.CancellationToken);

        var inWork = (await DrainIdsAsync(context, context.WorkQueue)).Select(m => m.Id).ToArray();
        var inDead = await StoredIdsAsync(context);
        Assert.Multiple(() =>
        {
            Assert.That(inWork, Is.Not.Empty);
            Assert.That(inWork, Has.Length.LessThan(200), "the kill came halfway");
            Assert.That(inWork.Union(inDead), Is.EquivalentTo(letters.Select(l => l.Item1)), "no letter is lost");
            // Confirmed then marked: the window whose confirms had arrived but whose mark had not committed is in both
            // (a duplicate, never a loss); at --rate 50 a window is 5 letters.
            Assert.That(inWork.Intersect(inDead).Count(), Is.LessThanOrEqualTo(5), "at most the window in flight at the kill is in both");
            Assert.That(inWork.Length + inDead.Length, Is.LessThanOrEqualTo(205));
        });

        var jobs = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "jobs", "--json");
        var job = JsonDocument.Parse(jobs.Stdout).RootElement[0];
        Assert.That(job.GetProperty("state").GetString(), Is.EqualTo("Running"), "killed while running");
        var resume = await ReplayResume.AfterKillAsync(context.WorkerEnvironment(), job.GetProperty("id").GetInt64());
        Assert.That(resume.ExitCode, Is.Zero, resume.Stderr);
        var resent = (await DrainIdsAsync(context, context.WorkQueue)).Select(m => m.Id).ToArray();
        Assert.Multiple(async () =>
        {
            Assert.That(inWork.Concat(resent).Distinct(), Is.EquivalentTo(letters.Select(l => l.Item1)), "the resume sent the rest");
            Assert.That(resent.Intersect(inWork).Count(), Is.EqualTo(inWork.Intersect(inDead).Count()), "only the window in flight went twice");
            Assert.That(await StoredIdsAsync(context), Is.Empty);
        });
    }

    [Test]
    public async Task Should_pace_a_replay_at_the_given_rate()
    {
        await using var context = await TopologyAsync();
        await WorkerDeadLetters.MakeAsync(context, Enumerable.Range(0, 200).Select(i => SampleMessages.Simple($"paced-{i}", $"p{i}@example.org")));
        var clock = Stopwatch.StartNew();

        var replay = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "replay", "--all", "--rate", "50", "--yes");

        clock.Stop();
        Assert.That(replay.ExitCode, Is.Zero, replay.Stderr);
        Assert.That(clock.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(3.5)), "200 messages at 50/s cannot go faster than ~4 s");
        Assert.That(replay.Stderr, Does.Contain("replayed"), "progress is shown on long runs");
    }

    [Test]
    public async Task Should_purge_only_the_named_letter_and_report_counts_the_broker_agrees_with()
    {
        await using var context = await TopologyAsync();
        await DeadLetterFactory.PublishAsync(context, Mixed(5));

        var refused = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "purge", "dl-2");
        Assert.That(await StoredIdsAsync(context), Is.EquivalentTo(Mixed(5).Select(l => l.Item1)), "a refused purge purges nothing");
        var purge = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "purge", "dl-2", "--yes");
        var unknown = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "show", "dl-2");
        var status = await CliRun.RunAsync(context.WorkerEnvironment(), "status", "--json");

        var queues = JsonDocument.Parse(status.Stdout).RootElement.GetProperty("queues").EnumerateArray().ToArray();
        Assert.Multiple(async () =>
        {
            Assert.That(refused.ExitCode, Is.EqualTo(2), "without --yes and without a terminal it refuses");
            Assert.That(refused.Stderr, Does.Contain("--yes"));
            Assert.That(purge.ExitCode, Is.Zero, purge.Stderr);
            Assert.That(unknown.ExitCode, Is.EqualTo(1), "an unknown messageId is an operational failure");
            Assert.That(unknown.Stderr, Does.Contain("no dead letter with messageId 'dl-2'"));
            Assert.That(status.ExitCode, Is.Zero, status.Stderr);
            foreach (var queue in queues)
                Assert.That(queue.GetProperty("ready").GetInt64(), Is.EqualTo(await context.MessageCountAsync(queue.GetProperty("name").GetString()!)));
            Assert.That(queues.Single(q => q.GetProperty("role").GetString() == "dead").GetProperty("ready").GetInt64(), Is.Zero, "the letters are in the store");
            Assert.That(await StoredIdsAsync(context), Is.EquivalentTo(new[] { "dl-0", "dl-1", "dl-3", "dl-4" }));
            Assert.That(queues.Count(q => q.GetProperty("role").GetString() == "retry"), Is.EqualTo(2));
        });
        // The broker's own count, from its management API (on the tests' node and an external broker alike): nothing ready, nothing unacked.
        Assert.That(await context.BecomesEmptyAsync(context.DeadQueue), Is.True, $"{await context.QueueCountsAsync(context.DeadQueue)}");
    }

    [Test]
    public async Task Should_count_the_messages_a_worker_holds_unacked_as_the_broker_does()
    {
        await using var context = new WorkerTestContext();
        // A relay that takes its time keeps the worker's prefetched messages unacknowledged.
        context.Smtp.Script.DataReplyDelay = _ => TimeSpan.FromSeconds(60);
        await using var worker = context.StartWorker(new Dictionary<string, string>
        {
            ["EMAILWORKER__DELIVERY__PREFETCHCOUNT"] = "10",
            ["EMAILWORKER__DELIVERY__CONCURRENCYLIMIT"] = "4",
        });
        Assert.That(await worker.WaitForOutputAsync("Worker consuming", TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        await context.PublishJsonAsync(Enumerable.Range(0, 30).Select(i => SampleMessages.Simple($"held-{i}")));

        JsonElement work = default;
        var agreed = await WorkerTestContext.EventuallyAsync(async () =>
        {
            var status = await CliRun.RunAsync(context.WorkerEnvironment(), "status", "--json");
            work = JsonDocument.Parse(status.Stdout).RootElement.GetProperty("queues").EnumerateArray().First();
            return work.GetProperty("unacked").ValueKind == JsonValueKind.Number && work.GetProperty("unacked").GetInt64() == 10;
        }, TimeSpan.FromSeconds(30));

        Assert.That(agreed, Is.True, work.ToString());
        Assert.Multiple(() =>
        {
            Assert.That(work.GetProperty("ready").GetInt64(), Is.EqualTo(20));
            Assert.That(work.GetProperty("consumers").GetInt64(), Is.EqualTo(1));
        });
        Assert.That(await context.QueueCountsAsync(context.WorkQueue), Is.EqualTo(new QueueCounts(20, 10)), "the broker's own count, from its management API");
        // Cut the slow sessions short so the worker can stop at once.
        await context.Smtp.StopAsync();
    }

    [Test]
    public async Task Should_answer_usage_errors_with_exit_code_2_and_one_line()
    {
        await using var context = await TopologyAsync();

        var noSelection = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "replay");
        var badTag = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "list", "--tag", "novalue");
        var unknownCommand = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "frobnicate");
        var noBroker = await CliRun.RunAsync(context.WorkerEnvironment(new Dictionary<string, string> { ["EMAILWORKER__RABBITMQ__PASSWORD"] = "cli-Wr0ng-5a6b" }), "status");

        Assert.Multiple(() =>
        {
            Assert.That(noSelection.ExitCode, Is.EqualTo(2));
            Assert.That(noSelection.Stderr, Does.Contain("messageIds, --all, or filters"));
            Assert.That(badTag.ExitCode, Is.EqualTo(2));
            Assert.That(unknownCommand.ExitCode, Is.EqualTo(2));
            Assert.That(noBroker.ExitCode, Is.EqualTo(1));
            Assert.That(noBroker.Stderr, Does.Contain("RabbitMq:Password").And.Not.Contain("cli-Wr0ng-5a6b"));
            Assert.That(noBroker.Stderr + noSelection.Stderr, Does.Not.Contain("   at "), "never a stack trace");
        });
    }

    private static async Task<WorkerTestContext> TopologyAsync()
    {
        var context = new WorkerTestContext();
        var apply = await CliRun.RunAsync(context.WorkerEnvironment(), "topology", "apply");
        Assert.That(apply.ExitCode, Is.Zero, apply.Stderr);
        var verify = await CliRun.RunAsync(context.WorkerEnvironment(), "topology", "verify");
        Assert.That(verify.ExitCode, Is.Zero, verify.Stdout);
        return context;
    }

    private static async Task<List<(string Id, IDictionary<string, object?> Headers)>> DrainIdsAsync(WorkerTestContext context, string queue)
    {
        var connection = await context.ConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var messages = new List<(string, IDictionary<string, object?>)>();
        while (await channel.BasicGetAsync(queue, autoAck: true) is { } result)
        {
            var id = JsonDocument.Parse(result.Body).RootElement.GetProperty("messageId").GetString()!;
            messages.Add((id, result.BasicProperties.Headers ?? new Dictionary<string, object?>()));
        }
        return messages;
    }

    /// <summary>The messageIds of the dead letters in the test's store, in store order (the command drains email.dead first).</summary>
    private static async Task<string[]> StoredIdsAsync(WorkerTestContext context)
    {
        var list = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "list", "--json");
        Assert.That(list.ExitCode, Is.Zero, list.Stderr);
        return [.. JsonDocument.Parse(list.Stdout).RootElement.EnumerateArray().Select(r => r.GetProperty("messageId").GetString()!)];
    }

    private static string? Text(IDictionary<string, object?> headers, string name) =>
        headers.TryGetValue(name, out var value) ? value is byte[] bytes ? System.Text.Encoding.UTF8.GetString(bytes) : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) : null;
}
