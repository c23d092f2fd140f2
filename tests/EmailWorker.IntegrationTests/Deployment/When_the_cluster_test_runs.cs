using System.Diagnostics;

namespace EmailWorker.IntegrationTests.Deployment;

/// <summary>
/// The short form of scripts/cluster-test.sh, so CI sees what only several workers on one host show (issue 20, item 17:
/// workers that shared a listener address stayed alive holding unacknowledged messages and ignored SIGTERM). A 3-node
/// cluster of its own (own names, ports, data), three workers that each know all three nodes, 1,000 messages; the node
/// leading the work queue and one worker are killed with -9 once a quarter is delivered. The worker whose first endpoint
/// was the killed node must move to another node of its <c>RabbitMq:Endpoints</c>: the script asks the broker's
/// connection list where that worker consumes before and after the kill. The script counts every messageId at its own
/// SMTP sink, and it stops every worker with SIGTERM and waits for each to exit: a worker that
/// ignores it hangs the script, and the fixture's timeout fails the test. The scale-out figures stay with the full run.
/// Three nodes and three workers of its own take both cores: it runs alone, like the fixtures that change the shared node.
/// </summary>
[TestFixture]
[Category("Fault")]
[NonParallelizable]
[CancelAfter(360_000)]
public sealed class When_the_cluster_test_runs
{
    [Test]
    public async Task Should_deliver_every_message_through_a_node_and_a_worker_killed()
    {
        if (Environment.GetEnvironmentVariable("RABBITMQ_URL") is { Length: > 0 })
            Assert.Ignore("RABBITMQ_URL names an external broker: the cluster test starts nodes of its own from Debian's rabbitmq-server, which that setup may not have");
        var start = new ProcessStartInfo("bash", [RepositoryFiles.Path("scripts", "cluster-test.sh"), "--messages", "1000", "--scale-messages", "0"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Support.ChildProcesses.Track(Process.Start(start)!);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(TestContext.CurrentContext.CancellationToken);

        var log = $"{await output}\n{await error}";
        Assert.That(process.ExitCode, Is.Zero, log);
        Assert.That(log, Does.Match(@"failover: messages 1000, delivered 1000, lost 0, duplicates \d+;"), log);
        var moved = System.Text.RegularExpressions.Regex.Match(log, @"consumed through port (\d+) \(the killed node's: (\d+)\) before the kill, through port (\d+) after");
        Assert.That(moved.Success && moved.Groups[1].Value == moved.Groups[2].Value && moved.Groups[3].Value != moved.Groups[2].Value, Is.True,
            "the broker saw the worker of the killed node consume there, then on another of its endpoints\n" + log);
        Assert.That(log, Does.Contain("cluster-test: passed"), log);
    }
}
