using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using EmailWorker.IntegrationTests.Dashboard;
using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests;

/// <summary>
/// An operator looks at a selection (the dashboard's dry run, the CLI's prompt) and confirms it a while later; meanwhile
/// more letters of the same kind reach the store. The confirmation acts on what was shown, never on the newcomers.
/// </summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed partial class When_letters_arrive_between_a_dry_run_and_its_confirmation
{
    private static IEnumerable<(string, string, string)> Transient(string prefix, int count) =>
        Enumerable.Range(0, count).Select(i => ($"{prefix}-{i}", "transient", $"{prefix}{i}@example.org"));

    [Test]
    public async Task Should_purge_only_the_letters_the_dashboards_dry_run_showed()
    {
        await using var context = await TopologyAsync();
        await DeadLetterFactory.PublishAsync(context, Transient("shown", 5));
        Assert.That(await StoredAsync(context, 5), Is.True, "the letters reached the store");
        using var listener = new WorkerListener();
        await using var dashboard = await DashboardProcess.StartAsync(context, listener.BaseUrl + "/metrics");
        using var http = new DashboardHttp(dashboard.BaseUrl);
        using (var login = await http.LogInAsync(DashboardProcess.Operator, DashboardProcess.OperatorPassword))
            Assert.That(login.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        var csrf = DashboardHttp.CsrfOf(await http.GetStringAsync("/letters"));

        using var preview = await http.PostFormAsync("/actions/preview", [new("csrf", csrf), new("action", "purge"), new("class", "transient")]);
        var dryRun = await preview.Content.ReadAsStringAsync();
        Assert.That(dryRun, Does.Contain("5 dead letter(s) selected now"), dryRun);
        // The operator reads the dry run; three more letters of the same class arrive before the confirmation.
        await DeadLetterFactory.PublishAsync(context, Transient("late", 3));
        Assert.That(await StoredAsync(context, 8), Is.True, "the late letters are in the store before the confirmation");
        using var confirm = await http.PostFormAsync("/actions/purge", ConfirmationFields(dryRun, "/actions/purge"));
        var done = await confirm.Content.ReadAsStringAsync();

        Assert.Multiple(async () =>
        {
            Assert.That(done, Does.Contain("Purged 5 dead letter(s)"), done);
            Assert.That(await DeadIdsAsync(context), Is.EquivalentTo(Transient("late", 3).Select(l => l.Item1)), "the late letters were not in the dry run: still dead");
        });
    }

    [Test]
    public async Task Should_replay_only_the_letters_the_clis_prompt_counted()
    {
        await using var context = await TopologyAsync();
        await DeadLetterFactory.PublishAsync(context, Transient("shown", 4));
        Assert.That(await StoredAsync(context, 4), Is.True, "the letters reached the store");

        // A terminal for the prompt (the CLI refuses to ask without one): util-linux script gives the command a pty.
        using var replay = StartOnTerminal(context.WorkerEnvironment(), "dlq", "replay", "--class", "transient");
        var output = new StringBuilder();
        var prompted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reading = ReadAllAsync(replay.StandardOutput, output, prompted);
        using (var bound = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CurrentContext.CancellationToken))
        {
            bound.CancelAfter(TimeSpan.FromSeconds(60));
            await prompted.Task.WaitAsync(bound.Token);
        }
        Assert.That(output.ToString(), Does.Contain("Replay 4 dead letter(s)"));
        // While the operator reads the prompt, two more letters of the class reach the store.
        await DeadLetterFactory.PublishAsync(context, Transient("late", 2));
        Assert.That(await StoredAsync(context, 6), Is.True, "the late letters are in the store before the answer");
        await replay.StandardInput.WriteLineAsync("y");
        await replay.StandardInput.FlushAsync();
        await replay.WaitForExitAsync(TestContext.CurrentContext.CancellationToken);
        await reading;

        var inWork = await DrainIdsAsync(context);
        Assert.Multiple(async () =>
        {
            Assert.That(replay.ExitCode, Is.Zero, output.ToString());
            Assert.That(inWork, Is.EquivalentTo(Transient("shown", 4).Select(l => l.Item1)), "exactly the four the prompt counted were replayed");
            Assert.That(await DeadIdsAsync(context), Is.EquivalentTo(Transient("late", 2).Select(l => l.Item1)), "the late letters stay dead");
        });
    }

    /// <summary>The hidden fields of the confirmation form the dry run rendered: what a browser posts when the operator confirms.</summary>
    private static List<KeyValuePair<string, string>> ConfirmationFields(string dryRun, string action)
    {
        var form = Regex.Match(dryRun, $"<form method=\"post\" action=\"{Regex.Escape(action)}\">(.*?)</form>", RegexOptions.Singleline);
        Assert.That(form.Success, Is.True, dryRun);
        return [.. HiddenField().Matches(form.Groups[1].Value).Select(m => new KeyValuePair<string, string>(
            WebUtility.HtmlDecode(m.Groups[1].Value), WebUtility.HtmlDecode(m.Groups[2].Value)))];
    }

    private static Process StartOnTerminal(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var command = string.Join(' ', new[] { "dotnet", WorkerExecutable.Path }.Concat(arguments).Select(a => $"'{a.Replace("'", "'\\''", StringComparison.Ordinal)}'"));
        var start = new ProcessStartInfo("script", ["-qfec", command, "/dev/null"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment)
            start.Environment[key] = value;
        return ChildProcesses.Track(Process.Start(start) ?? throw new InvalidOperationException("script did not start"));
    }

    private static async Task ReadAllAsync(StreamReader reader, StringBuilder output, TaskCompletionSource prompted)
    {
        var buffer = new char[1024];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            lock (output)
            {
                output.Append(buffer, 0, read);
                if (output.ToString().Contains("[y/N]", StringComparison.Ordinal))
                    prompted.TrySetResult();
            }
        }
        prompted.TrySetException(new InvalidOperationException($"the command ended without asking: {output}"));
    }

    private static async Task<WorkerTestContext> TopologyAsync()
    {
        var context = new WorkerTestContext(ingestDeadLetters: false);
        var apply = await CliRun.RunAsync(context.WorkerEnvironment(), "topology", "apply");
        Assert.That(apply.ExitCode, Is.Zero, apply.Stderr);
        return context;
    }

    /// <summary>The dead letters in the store, after <c>dlq list</c> took what <c>email.dead</c> holds into it.</summary>
    private static async Task<string[]> DeadIdsAsync(WorkerTestContext context)
    {
        var list = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "list", "--json");
        Assert.That(list.ExitCode, Is.Zero, list.Stderr);
        return [.. JsonDocument.Parse(list.Stdout).RootElement.EnumerateArray().Select(r => r.GetProperty("messageId").GetString()!)];
    }

    /// <summary>Whether <c>dlq list</c> shows <paramref name="count"/> dead letters within 30 s (a loaded broker is slow to count its queue).</summary>
    private static Task<bool> StoredAsync(WorkerTestContext context, int count) =>
        WorkerTestContext.EventuallyAsync(async () => (await DeadIdsAsync(context)).Length == count, TimeSpan.FromSeconds(30));

    private static async Task<List<string>> DrainIdsAsync(WorkerTestContext context)
    {
        var connection = await context.ConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var ids = new List<string>();
        while (await channel.BasicGetAsync(context.WorkQueue, autoAck: true) is { } result)
            ids.Add(JsonDocument.Parse(result.Body).RootElement.GetProperty("messageId").GetString()!);
        return ids;
    }

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\">")]
    private static partial Regex HiddenField();
}
