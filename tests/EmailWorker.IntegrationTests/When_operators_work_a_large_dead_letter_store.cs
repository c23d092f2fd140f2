using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using EmailWorker.IntegrationTests.Support;
using RabbitMQ.Client;

namespace EmailWorker.IntegrationTests;

/// <summary>
/// The acceptance of the store-backed <c>dlq</c> commands at scale: tens of thousands of letters listed and purged, a replay
/// job killed with SIGKILL and resumed, and the letters the broker and foreign producers dead-letter. Timings are written
/// to the test output (never asserted).
/// </summary>
[TestFixture]
[NonParallelizable]
[CancelAfter(TestTimeouts.PerTest * 2)]
public sealed partial class When_operators_work_a_large_dead_letter_store
{
    private const int Many = 70_000;
    private const int Replayed = 10_000;

    [Test]
    public async Task Should_list_every_one_of_70000_letters_replay_a_class_and_purge_the_rest()
    {
        await using var context = await TopologyAsync();
        var ids = Enumerable.Range(0, Many).Select(i => $"bulk-{i}").ToArray();
        await DeadLetterFactory.PublishBulkAsync(context, ids.Select((id, i) => (id, i < Replayed ? "transient" : "permanent", $"u{i}@example.org")));

        var clock = Stopwatch.StartNew();
        var list = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "list", "--json");
        var listTime = clock.Elapsed;
        Assert.That(list.ExitCode, Is.Zero, list.Stderr);
        var listed = JsonDocument.Parse(list.Stdout).RootElement.EnumerateArray().Select(r => r.GetProperty("messageId").GetString()!).ToList();
        Assert.Multiple(async () =>
        {
            Assert.That(listed, Has.Count.EqualTo(Many), "every letter, once");
            Assert.That(listed.ToHashSet(), Is.EquivalentTo(ids));
            Assert.That(await context.BecomesEmptyAsync(context.DeadQueue), Is.True, "email.dead drained into the store");
        });

        clock.Restart();
        var replay = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "replay", "--class", "transient", "--yes");
        var replayTime = clock.Elapsed;
        Assert.Multiple(async () =>
        {
            Assert.That(replay.ExitCode, Is.Zero, replay.Stderr);
            Assert.That(replay.Stdout, Does.Contain($"replayed {Replayed} dead letter(s)"));
            Assert.That(await context.MessageCountAsync(context.WorkQueue), Is.EqualTo(Replayed), "each replayed letter once in the work queue");
        });

        clock.Restart();
        var purge = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "purge", "--all", "--yes");
        var purgeTime = clock.Elapsed;
        var after = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "list", "--json");
        var history = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "list", "--json", "--history", "--limit", "3");
        Assert.Multiple(() =>
        {
            Assert.That(purge.ExitCode, Is.Zero, purge.Stderr);
            Assert.That(purge.Stdout, Does.Contain($"purged {Many - Replayed} dead letter(s)"));
            Assert.That(JsonDocument.Parse(after.Stdout).RootElement.GetArrayLength(), Is.Zero, "none left");
            var kept = JsonDocument.Parse(history.Stdout).RootElement.EnumerateArray().ToArray();
            Assert.That(kept, Has.Length.EqualTo(3), "purged letters stay as history");
            Assert.That(kept.Select(r => r.GetProperty("state").GetString()), Is.All.EqualTo("replayed"), "the oldest were replayed");
            Assert.That(kept.Select(r => r.GetProperty("replayed").GetProperty("by").GetString()), Is.All.Not.Empty);
        });
        TestContext.Out.WriteLine($"dlq list --json of {Many} (draining email.dead into the store first): {listTime.TotalSeconds:F1} s; " +
            $"dlq replay of {Replayed} unpaced: {replayTime.TotalSeconds:F1} s ({Replayed / replayTime.TotalSeconds:F0}/s with process start); " +
            $"dlq purge --all of {Many - Replayed}: {purgeTime.TotalSeconds:F1} s");
    }

    [Test]
    public async Task Should_deliver_every_letter_once_when_a_killed_replay_job_is_resumed_but_the_window_it_reports()
    {
        const int letters = 3000;
        await using var context = await TopologyAsync();
        var recipients = Enumerable.Range(0, letters).Select(i => (MessageId: $"job-{i}", To: $"r{i}@example.org")).ToArray();
        await DeadLetterFactory.PublishBulkAsync(context, recipients.Select(r => (r.MessageId, "transient", r.To)));
        await using var worker = context.StartWorker();
        Assert.That(await worker.WaitForOutputAsync("Worker consuming", TimeSpan.FromSeconds(30)), Is.True, worker.Output);

        // Paced so the kill lands in the middle: 1,000/s is a window of 100 letters. The kill follows the replay's own
        // progress — what it published: delivered at the server or still waiting in the work queue — not the worker's,
        // which on a loaded machine lags so far behind that the replay would be over first.
        var replay = CliRun.Start(context.WorkerEnvironment(), "dlq", "replay", "--all", "--rate", "1000", "--yes", "--by", "resume-test");
        Assert.That(await WorkerTestContext.EventuallyAsync(async () => context.Smtp.Messages.Count + await context.MessageCountAsync(context.WorkQueue) >= letters / 5,
            TimeSpan.FromSeconds(60)), Is.True, worker.Output);
        replay.Kill(entireProcessTree: true); // SIGKILL: nothing flushed, nothing marked after this instant
        await replay.WaitForExitAsync(TestContext.CurrentContext.CancellationToken);
        var deliveredAtKill = context.Smtp.Messages.Count;

        var jobs = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "jobs", "--json");
        var job = JsonDocument.Parse(jobs.Stdout).RootElement[0];
        var jobId = job.GetProperty("id").GetInt64();
        var clock = Stopwatch.StartNew();
        var resume = await ReplayResume.AfterKillAsync(context.WorkerEnvironment(), jobId);
        var resumeTime = clock.Elapsed;
        Assert.That(resume.ExitCode, Is.Zero, resume.Stderr);
        var reported = PossibleDuplicates().Match(resume.Stdout) is { Success: true } match ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;

        var everyone = await WorkerTestContext.EventuallyAsync(() => Task.FromResult(Copies.PerRecipient(context).Count == letters), TimeSpan.FromSeconds(90));
        Assert.That(await context.BecomesEmptyAsync(context.WorkQueue), Is.True, "nothing left to deliver");
        var copies = Copies.PerRecipient(context);
        var duplicates = copies.Values.Sum(c => c - 1);
        var ended = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "jobs", "--json");
        var left = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "list", "--json");
        Assert.Multiple(() =>
        {
            Assert.That(job.GetProperty("state").GetString(), Is.EqualTo("Running"), "the killed job was left running, resumable");
            Assert.That(deliveredAtKill, Is.LessThan(letters), "the kill came halfway");
            Assert.That(everyone, Is.True, "every recipient got the mail");
            Assert.That(copies.Keys, Is.EquivalentTo(recipients.Select(r => (r.MessageId, r.To))), "and no one else");
            Assert.That(duplicates, Is.LessThanOrEqualTo(reported), "no more duplicates than the resume reported");
            Assert.That(reported, Is.LessThanOrEqualTo(100), "which is at most the window in flight");
            var final = JsonDocument.Parse(ended.Stdout).RootElement[0];
            Assert.That(final.GetProperty("state").GetString(), Is.EqualTo("Completed"));
            Assert.That(final.GetProperty("replayed").GetInt64(), Is.EqualTo(letters), "each letter marked replayed once");
            Assert.That(JsonDocument.Parse(left.Stdout).RootElement.GetArrayLength(), Is.Zero);
        });
        TestContext.Out.WriteLine($"resume of job {jobId}: {letters - deliveredAtKill}-ish letters in {resumeTime.TotalSeconds:F1} s at --rate 1000; " +
            $"reported {reported} possible duplicate(s), counted {duplicates} at the SMTP server");
    }

    [Test]
    public async Task Should_list_letters_from_the_brokers_delivery_limit_and_foreign_letters()
    {
        await using var context = new WorkerTestContext();
        await context.DeclareWorkQueueAsync(deliveryLimit: 2);
        await context.PublishJsonAsync([SampleMessages.Simple("poisoned", "poison@example.org")]);
        // A consumer that gives the message back until the broker dead-letters it at the delivery limit.
        var connection = await context.ConnectionAsync();
        await using (var channel = await connection.CreateChannelAsync())
        {
            Assert.That(await WorkerTestContext.EventuallyAsync(async () =>
            {
                if (await channel.BasicGetAsync(context.WorkQueue, autoAck: false) is { } got)
                    await channel.BasicNackAsync(got.DeliveryTag, multiple: false, requeue: true);
                return await context.MessageCountAsync(context.DeadQueue) == 1;
            }, TimeSpan.FromSeconds(30)), Is.True);
            await channel.BasicPublishAsync(context.DeadQueue, "", mandatory: false, new BasicProperties(), WorkerTestContext.Utf8("not ours at all"));
        }

        var list = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "list", "--json");
        var groups = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "groups", "--json");

        Assert.That(list.ExitCode, Is.Zero, list.Stderr);
        var rows = JsonDocument.Parse(list.Stdout).RootElement.EnumerateArray().ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(rows, Has.Length.EqualTo(2));
            var poison = rows.Single(r => r.GetProperty("class").GetString() == "poison");
            Assert.That(poison.GetProperty("messageId").GetString(), Is.EqualTo("poisoned"));
            Assert.That(poison.GetProperty("recipients").EnumerateArray().Select(r => r.GetString()), Is.EqualTo(new[] { "poison@example.org" }));
            Assert.That(rows.Count(r => r.GetProperty("class").GetString() == "unknown"), Is.EqualTo(1), "the foreign letter");
            Assert.That(groups.ExitCode, Is.Zero, groups.Stderr);
            Assert.That(JsonDocument.Parse(groups.Stdout).RootElement.EnumerateArray().Select(g => g.GetProperty("class").GetString()),
                Is.EquivalentTo(new[] { "poison", "unknown" }));
        });
    }

    [GeneratedRegex(@"possible duplicates: (\d+) letter")]
    private static partial Regex PossibleDuplicates();

    private static async Task<WorkerTestContext> TopologyAsync()
    {
        var context = new WorkerTestContext();
        var apply = await CliRun.RunAsync(context.WorkerEnvironment(), "topology", "apply");
        Assert.That(apply.ExitCode, Is.Zero, apply.Stderr);
        return context;
    }
}
