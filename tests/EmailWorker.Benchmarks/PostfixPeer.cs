using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace EmailWorker.Benchmarks;

/// <summary>
/// Debian's Postfix as the local queueing relay a user might run instead: a private instance (its own configuration,
/// queue and data folders under /tmp, SMTP on a free loopback port, no local delivery, no DNS) that relays everything to
/// the sink. Messages are submitted over SMTP on pooled MailKit connections while its smtp transport is deferred
/// (<c>defer_transports = smtp</c>), so they wait in its queue as the worker's wait in the broker's; then the transport is
/// released (<c>postfix reload</c>, <c>postqueue -f</c>) and the rate runs from its first relay RCPT of the measured
/// messages to the last of them at the sink: relaying a filled queue, as the worker drains a filled one, without
/// Postfix's intake over SMTP in the window.
/// </summary>
internal sealed class PostfixPeer : IAsyncDisposable
{
    private const string Postfix = "/usr/sbin/postfix", Postconf = "/usr/sbin/postconf", Postqueue = "/usr/sbin/postqueue";
    private readonly DirectoryInfo _root;
    private readonly int _port;

    private PostfixPeer(DirectoryInfo root, int port)
    {
        _root = root;
        _port = port;
    }

    private string Config => Path.Combine(_root.FullName, "etc");

    /// <summary>Why Postfix cannot run here, or null when it can.</summary>
    public static string? Unavailable => File.Exists(Postfix) && File.Exists("/etc/postfix/master.cf")
        ? null : "Postfix is not installed (scripts/bench.sh installs Debian's postfix package)";

    /// <summary>
    /// Starts an instance relaying to <paramref name="relayPort"/>. Postfix's defaults but for what keeps it private;
    /// <paramref name="connections"/> sets its relay concurrency (default: Postfix's 20 per destination).
    /// </summary>
    public static async Task<PostfixPeer> StartAsync(int relayPort, int? connections = null)
    {
        var root = Directory.CreateTempSubdirectory("emailworker-bench-postfix-");
        var peer = new PostfixPeer(root, Sink.FreePort());
        // Postfix's own processes run as the postfix user and must reach the queue below this folder.
        await peer.RunAsync("chmod", "755", root.FullName);
        var etc = Directory.CreateDirectory(peer.Config).FullName;
        var data = Directory.CreateDirectory(Path.Combine(root.FullName, "data")).FullName;
        Directory.CreateDirectory(Path.Combine(root.FullName, "queue"));
        File.Copy("/etc/postfix/master.cf", Path.Combine(etc, "master.cf"));
        var settings = new List<string>
        {
            "compatibility_level = 3.6",
            $"queue_directory = {Path.Combine(root.FullName, "queue")}",
            $"data_directory = {data}",
            $"maillog_file_prefixes = {root.FullName}",
            $"maillog_file = {Path.Combine(root.FullName, "maillog")}",
            "inet_interfaces = 127.0.0.1",
            "inet_protocols = ipv4",
            "myhostname = bench.localdomain",
            "mydestination =",
            "local_transport = error:local delivery is off",
            "alias_maps =",
            "alias_database =",
            $"relayhost = [127.0.0.1]:{relayPort}",
            "disable_dns_lookups = yes",
            "smtp_dns_support_level = disabled",
            "smtp_host_lookup = native",
            "mynetworks = 127.0.0.0/8",
            "smtpd_relay_restrictions = permit_mynetworks, reject",
        };
        if (connections is { } limit)
        {
            settings.Add($"default_destination_concurrency_limit = {limit}");
            settings.Add($"default_process_limit = {limit + 50}");
        }
        await File.WriteAllLinesAsync(Path.Combine(etc, "main.cf"), settings);
        await peer.RunAsync(Postconf, "-c", etc, "-F", "*/*/chroot = n"); // no chroot: nothing copied into the queue folder
        await peer.RunAsync(Postconf, "-c", etc, "-MX", "smtp/inet");
        await peer.RunAsync(Postconf, "-c", etc, "-M", $"127.0.0.1:{peer._port}/inet=127.0.0.1:{peer._port} inet n - n - - smtpd");
        await peer.RunAsync("chown", "postfix", data);
        await peer.RunAsync(Postfix, "-c", etc, "start");
        for (var i = 0; i < 200; i++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, peer._port);
                return peer;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        throw new InvalidOperationException($"Postfix did not listen on {peer._port}: {peer.LogTail()}");
    }

    /// <summary>
    /// Submits the warm-up batch and waits for it at the sink (warm processes and connections), then queues the measured
    /// messages with relaying deferred, releases them, and times their relaying from the first relay RCPT at the sink.
    /// </summary>
    public async Task<(double PerSecond, double RoundTrips)> MeasureAsync(Sink sink, Batch batch, int submitConnections)
    {
        await using var pool = await SmtpClientPool.OpenAsync(_port, submitConnections);
        await SubmitAsync(pool, batch.WarmUpIds, submitConnections);
        await sink.WaitForAsync(batch.Prefix, batch.WarmUp, TimeSpan.FromMinutes(2));
        await DeferRelayingAsync(true);
        try
        {
            await SubmitAsync(pool, batch.MeasuredIds, submitConnections);
            await WaitForQueuedAsync(batch.Measured, TimeSpan.FromMinutes(5));
        }
        finally
        {
            await DeferRelayingAsync(false);
        }
        await RunAsync(Postqueue, "-c", Config, "-f");
        await sink.WaitForAsync(batch.Prefix, batch.Total, TimeSpan.FromMinutes(5));
        // No start given: the window opens at the first measured RCPT the sink saw, i.e. when relaying began.
        return (sink.RateOf(batch), sink.RoundTripsPerMessage(batch));
    }

    /// <summary>Holds (or releases) everything for the smtp transport in the queue: <c>defer_transports</c>, then a reload.</summary>
    private async Task DeferRelayingAsync(bool defer)
    {
        await RunAsync(Postconf, "-c", Config, "-e", defer ? "defer_transports = smtp" : "defer_transports =");
        await RunAsync(Postfix, "-c", Config, "reload");
    }

    /// <summary>Polls the queue (<c>postqueue -j</c>, one JSON line per message) until it holds <paramref name="count"/> messages.</summary>
    private async Task WaitForQueuedAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var queued = 0;
        while (DateTime.UtcNow < deadline)
        {
            queued = (await RunAsync(Postqueue, "-c", Config, "-j")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
            if (queued >= count)
                return;
            await Task.Delay(200);
        }
        throw new TimeoutException($"Postfix queued only {queued} of {count} messages within {timeout.TotalSeconds} s");
    }

    private static async Task SubmitAsync(SmtpClientPool pool, IEnumerable<string> ids, int connections)
    {
        using var next = ids.GetEnumerator();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
        {
            while (true)
            {
                string id;
                lock (next)
                {
                    if (!next.MoveNext())
                        return;
                    id = next.Current;
                }
                await pool.SendAsync(SmtpCeiling.Mime(id), CancellationToken.None);
            }
        }));
    }

    /// <summary>Runs a Postfix tool to its end; its standard output, or an exception naming its exit code and Postfix's log.</summary>
    private async Task<string> RunAsync(string file, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException($"{file} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await output}{await error} {LogTail()}");
        await error;
        return await output;
    }

    private string LogTail()
    {
        var log = Path.Combine(_root.FullName, "maillog");
        return File.Exists(log) ? string.Join(" | ", File.ReadLines(log).TakeLast(5)) : "(no Postfix log)";
    }

    /// <summary>Stops the instance, waits for its master process to go, and removes its folders.</summary>
    public async ValueTask DisposeAsync()
    {
        await RunAsync(Postfix, "-c", Config, "stop");
        var pidFile = Path.Combine(_root.FullName, "queue", "pid", "master.pid");
        for (var i = 0; i < 200 && File.Exists(pidFile) && int.TryParse((await File.ReadAllTextAsync(pidFile)).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            && Directory.Exists($"/proc/{pid}"); i++)
            await Task.Delay(50);
        _root.Delete(recursive: true);
    }
}
