using System.Globalization;
using EmailWorker.TestSupport;

namespace EmailWorker.IntegrationTests.Deployment;

/// <summary>
/// A node of its own for the deployment tests: deploy/rabbitmq/definitions.json rendered with these passwords by
/// deploy/rabbitmq/render-definitions.sh and imported (vhost <c>email</c>, the least-privilege users, the bounds), an
/// AMQP-over-TLS listener with a test CA that also requires client certificates, and the topology declared by the deploy
/// step (<c>emailworker topology apply</c> as <c>deployer</c>).
/// </summary>
[SetUpFixture]
public sealed class DeploymentBroker
{
    /// <summary>The users of deploy/rabbitmq/definitions.json and the passwords this test run gives them (as secret files).</summary>
    public static readonly IReadOnlyDictionary<string, string> Passwords = new Dictionary<string, string>
    {
        ["deployer"] = "deployer-Test-7f3a",
        ["producer"] = "producer-Test-7f3a",
        ["worker"] = "worker-Test-7f3a",
        ["operator"] = "operator-Test-7f3a",
        ["monitoring"] = "monitoring-Test-7f3a",
        ["keda"] = "keda-Test-7f3a",
    };

    public const string VirtualHost = "email";

    /// <summary>Short tiers so a retried message comes back within the test.</summary>
    public const string RetrySchedule = "1s";

    private static ThrowawayRabbitNode? _node;
    private static BrokerTlsFiles? _authority;
    private static BrokerTlsFiles? _otherAuthority;
    private string? _directory;
    private static string? _store;

    public static ThrowawayRabbitNode Node => _node ?? throw new InvalidOperationException("The deployment broker has not started");

    public static BrokerTlsFiles Authority => _authority ?? throw new InvalidOperationException("The deployment broker has not started");

    /// <summary>A CA that signed nothing the broker presents: trusting it alone must fail the handshake.</summary>
    public static BrokerTlsFiles OtherAuthority => _otherAuthority ?? throw new InvalidOperationException("The deployment broker has not started");

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _directory = Directory.CreateTempSubdirectory("emailworker-deploy-").FullName;
        _store = Path.Combine(_directory, "store");
        _authority = BrokerTlsFiles.Create(Path.Combine(_directory, "ca"), "emailworker");
        _otherAuthority = BrokerTlsFiles.Create(Path.Combine(_directory, "other-ca"), "stranger");
        _node = await ThrowawayRabbitNode.StartAsync(TimeSpan.FromSeconds(90), _authority);
        await _node.ControlAsync("import_definitions", await RenderDefinitionsAsync(_directory));
        var apply = await Support.CliRun.RunAsync(Environment("deployer"), "topology", "apply");
        Assert.That(apply.ExitCode, Is.Zero, $"topology apply as deployer: {apply.Stderr}");
    }

    /// <summary>The environment of a worker or CLI process acting as <paramref name="user"/> on the plain AMQP listener.</summary>
    public static Dictionary<string, string> Environment(string user) => new()
    {
        ["EMAILWORKER__RABBITMQ__HOST"] = "127.0.0.1",
        ["EMAILWORKER__RABBITMQ__PORT"] = Node.AmqpPort.ToString(CultureInfo.InvariantCulture),
        ["EMAILWORKER__RABBITMQ__VIRTUALHOST"] = VirtualHost,
        ["EMAILWORKER__RABBITMQ__USERNAME"] = user,
        ["EMAILWORKER__RABBITMQ__PASSWORD"] = Passwords[user],
        ["EMAILWORKER__RABBITMQ__MANAGEMENTPORT"] = Node.ManagementPort.ToString(CultureInfo.InvariantCulture),
        ["EMAILWORKER__TOPOLOGY__PREFIX"] = "email",
        ["EMAILWORKER__TOPOLOGY__DECLARE"] = "false",
        ["EMAILWORKER__RETRY__SCHEDULE"] = RetrySchedule,
        ["EMAILWORKER__RETRY__GREYLISTMINIMUM"] = RetrySchedule,
        ["EMAILWORKER__DELIVERY__DEFAULTFROM"] = "noreply@example.com",
        // Its end-to-end test replays a 5.1.1 letter once the relay takes the recipient: the suppression list would hold it back.
        ["EMAILWORKER__SUPPRESSION__ENABLED"] = "false",
        // Workers run side by side here: the default metrics and health listener (:9464) would clash.
        ["EMAILWORKER__OBSERVABILITY__URLS"] = "",
        // The worker and the operator's dlq commands share one dead-letter store on this host, fresh for the run.
        ["EMAILWORKER__DEADLETTERS__DATADIRECTORY"] = _store ?? throw new InvalidOperationException("The deployment broker has not started"),
    };

    /// <summary>The passwords as a secret folder (one file per user, a trailing newline as tools write it), rendered as at deploy time.</summary>
    private static async Task<string> RenderDefinitionsAsync(string directory)
    {
        var secrets = Directory.CreateDirectory(Path.Combine(directory, "secrets")).FullName;
        foreach (var (user, password) in Passwords)
            await File.WriteAllTextAsync(Path.Combine(secrets, $"{user}.password"), password + "\n");
        var rendered = Path.Combine(directory, "definitions.json");
        var start = new System.Diagnostics.ProcessStartInfo("sh", [RepositoryFiles.Path("deploy", "rabbitmq", "render-definitions.sh"),
            RepositoryFiles.Path("deploy", "rabbitmq", "definitions.json"), secrets, rendered]) { RedirectStandardError = true };
        using var process = System.Diagnostics.Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(bound.Token);
        Assert.That(process.ExitCode, Is.Zero, $"render-definitions.sh: {await error}");
        return rendered;
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_node is not null)
            await _node.DisposeAsync();
        if (_directory is not null)
            Directory.Delete(_directory, recursive: true);
    }
}
