using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EmailWorker.TestSupport;

/// <summary>
/// A private RabbitMQ node from Debian's <c>rabbitmq-server</c> package: its own node name, ports and data directory under
/// a temp folder, no plugins; stopped and deleted at the end. Lets <c>dotnet test</c> run wherever the package is installed.
/// </summary>
public sealed class ThrowawayRabbitNode : IAsyncDisposable
{
    private const string ServerScript = "/usr/lib/rabbitmq/bin/rabbitmq-server";
    private const string ControlScript = "/usr/lib/rabbitmq/bin/rabbitmqctl";
    private static int _started;
    private static readonly TimeSpan ControlTimeout = TimeSpan.FromSeconds(60);
    private readonly string _directory;
    private Process _server;

    private ThrowawayRabbitNode(string directory, string nodeName, int amqpPort, int managementPort, int tlsPort, int managementTlsPort, Process server)
    {
        ManagementTlsPort = managementTlsPort;
        _directory = directory;
        NodeName = nodeName;
        AmqpPort = amqpPort;
        ManagementPort = managementPort;
        TlsPort = tlsPort;
        _server = server;
    }

    public string NodeName { get; }

    public int AmqpPort { get; }

    /// <summary>The management plugin's HTTP API, which <c>emailworker status</c> asks for unacknowledged counts.</summary>
    public int ManagementPort { get; }

    /// <summary>The AMQP-over-TLS listener; 0 when the node was started without <see cref="BrokerTlsFiles"/>.</summary>
    public int TlsPort { get; }

    /// <summary>The management API over https (same CA, no client certificate); 0 without <see cref="BrokerTlsFiles"/>.</summary>
    public int ManagementTlsPort { get; }

    /// <summary>
    /// Starts the node. With <paramref name="tls"/>, it also listens for AMQP over TLS with the CA's server certificate and
    /// requires a client certificate signed by that CA (<c>verify_peer</c>, <c>fail_if_no_peer_cert</c>).
    /// </summary>
    public static async Task<ThrowawayRabbitNode> StartAsync(TimeSpan timeout, BrokerTlsFiles? tls = null)
    {
        if (!File.Exists(ServerScript))
            throw new InvalidOperationException("No RabbitMQ broker: install Debian's rabbitmq-server (apt-get install rabbitmq-server) or set RABBITMQ_URL.");
        var directory = Directory.CreateTempSubdirectory("emailworker-rabbit-").FullName;
        var amqpPort = FreePort();
        var managementPort = FreePort();
        // Unique per node, not only per process: a test run may start more than one (the deployment tests have their own).
        var nodeName = $"emailworker-test-{Environment.ProcessId}-{Interlocked.Increment(ref _started)}@localhost";
        File.WriteAllText(Path.Combine(directory, "enabled_plugins"), "[rabbitmq_management].");
        // Statistics every second instead of every five, so the management API's counts catch up quickly.
        var config = $"management.tcp.ip = 127.0.0.1\nmanagement.tcp.port = {managementPort}\ncollect_statistics_interval = 1000\n";
        var tlsPort = tls is null ? 0 : FreePort();
        var managementTlsPort = tls is null ? 0 : FreePort();
        if (tls is not null)
        {
            config += $"listeners.ssl.default = 127.0.0.1:{tlsPort}\n" +
                $"ssl_options.cacertfile = {tls.CaFile}\nssl_options.certfile = {tls.ServerCertificateFile}\nssl_options.keyfile = {tls.ServerKeyFile}\n" +
                "ssl_options.verify = verify_peer\nssl_options.fail_if_no_peer_cert = true\n" +
                $"management.ssl.ip = 127.0.0.1\nmanagement.ssl.port = {managementTlsPort}\nmanagement.ssl.cacertfile = {tls.CaFile}\n" +
                $"management.ssl.certfile = {tls.ServerCertificateFile}\nmanagement.ssl.keyfile = {tls.ServerKeyFile}\n";
        }
        File.WriteAllText(Path.Combine(directory, "rabbitmq.conf"), config);
        // A quorum queue reports its ready and unacknowledged counts to the statistics on its tick, every 5 s by default:
        // the management API's unacked count of a queue a worker has just taken everything from could stay 0 that long.
        // Every 500 ms here, so that count trails by at most the tick plus the statistics interval.
        File.WriteAllText(Path.Combine(directory, "advanced.config"), "[{rabbit, [{quorum_tick_interval, 500}]}].\n");
        var node = new ThrowawayRabbitNode(directory, nodeName, amqpPort, managementPort, tlsPort, managementTlsPort, StartServer(directory, nodeName, amqpPort));
        await node.WaitUntilAcceptingAsync(timeout);
        return node;
    }

    /// <summary>
    /// kill -9 of the node (the server's whole process tree: no clean shutdown, no connection closed politely), then the
    /// same node started again on its ports and data directory, as a crashed broker is restarted by its supervisor.
    /// </summary>
    public async Task KillAndRestartAsync(TimeSpan timeout)
    {
        _server.Kill(entireProcessTree: true);
        await _server.WaitForExitAsync();
        _server.Dispose();
        _server = StartServer(_directory, NodeName, AmqpPort);
        await WaitUntilAcceptingAsync(timeout);
    }

    private static Process StartServer(string directory, string nodeName, int amqpPort)
    {
        var start = new ProcessStartInfo(ServerScript) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in NodeEnvironment(directory, nodeName, amqpPort))
            start.Environment[key] = value;
        var server = Process.Start(start) ?? throw new InvalidOperationException("rabbitmq-server did not start");
        server.OutputDataReceived += (_, _) => { };
        server.ErrorDataReceived += (_, _) => { };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        return server;
    }

    /// <summary>Runs rabbitmqctl against this node, e.g. to add a user.</summary>
    public async Task<string> ControlAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(ControlScript) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in NodeEnvironment(_directory, NodeName, AmqpPort))
            start.Environment[key] = value;
        start.ArgumentList.Add("-n");
        start.ArgumentList.Add(NodeName);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var outputRead = process.StandardOutput.ReadToEndAsync();
        var errorRead = process.StandardError.ReadToEndAsync();
        using var bound = new CancellationTokenSource(ControlTimeout);
        try
        {
            await process.WaitForExitAsync(bound.Token);
        }
        catch (OperationCanceledException)
        {
            // A hung control tool must not hang the test run (nor outlive it).
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"rabbitmqctl {string.Join(' ', arguments)} did not finish within {ControlTimeout.TotalSeconds:0} s");
        }
        var output = await outputRead;
        var error = await errorRead;
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"rabbitmqctl {string.Join(' ', arguments)} failed: {error}");
        return output;
    }

    private static Dictionary<string, string> NodeEnvironment(string directory, string nodeName, int amqpPort) => new()
    {
        ["RABBITMQ_NODENAME"] = nodeName,
        ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
        ["RABBITMQ_NODE_PORT"] = amqpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RABBITMQ_DIST_PORT"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RABBITMQ_MNESIA_BASE"] = Path.Combine(directory, "mnesia"),
        ["RABBITMQ_LOG_BASE"] = Path.Combine(directory, "log"),
        ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(directory, "enabled_plugins"),
        ["RABBITMQ_PLUGINS_EXPAND_DIR"] = Path.Combine(directory, "plugins-expand"),
        ["RABBITMQ_CONFIG_FILE"] = Path.Combine(directory, "rabbitmq"),
        ["RABBITMQ_ADVANCED_CONFIG_FILE"] = Path.Combine(directory, "advanced.config"),
        ["RABBITMQ_PID_FILE"] = Path.Combine(directory, "rabbitmq.pid"),
    };

    private async Task WaitUntilAcceptingAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var factory = new RabbitMQ.Client.ConnectionFactory { HostName = "127.0.0.1", Port = AmqpPort };
        while (true)
        {
            if (_server.HasExited)
                throw new InvalidOperationException($"rabbitmq-server exited with code {_server.ExitCode}; see {_directory}/log");
            try
            {
                await using var connection = await factory.CreateConnectionAsync();
                return;
            }
            catch (RabbitMQ.Client.Exceptions.BrokerUnreachableException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(250);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await ControlAsync("stop");
        }
        catch (InvalidOperationException)
        {
            // Fall through to killing it.
        }
        if (!_server.WaitForExit(TimeSpan.FromSeconds(20)))
            _server.Kill(entireProcessTree: true);
        _server.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a dying process: the temp folder is cleaned by the OS eventually.
        }
    }
}
