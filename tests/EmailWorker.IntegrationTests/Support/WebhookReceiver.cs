using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

namespace EmailWorker.IntegrationTests.Support;

/// <summary>
/// A webhook receiver on 127.0.0.1 as a service would run one: Kestrel, <c>POST /{endpoint}</c>, every request's signature
/// checked with the StandardWebhooks package against each of the test's secrets. Before <see cref="StartAsync"/> its port
/// takes connections and drops them at once (a receiver that is down); how it answers each endpoint is the test's
/// <see cref="Answer"/>. It records every request: the headers, the payload, the status it answered, which secrets verified.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly IReadOnlyDictionary<string, string> _secrets;
    private readonly ConcurrentQueue<Request> _requests = new();
    private readonly TcpListener _dropper;
    private readonly CancellationTokenSource _dropping = new();
    private readonly Task _dropLoop;
    private WebApplication? _app;
    private int _dropped;

    /// <summary>One request as it arrived and how it was answered.</summary>
    public sealed record Request(string Endpoint, string WebhookId, long Timestamp, string Payload, int Status, IReadOnlySet<string> VerifiedWith)
    {
        public JsonElement Data => JsonDocument.Parse(Payload).RootElement.GetProperty("data").Clone();

        public string MessageId => Data.GetProperty("messageId").GetString()!;
    }

    /// <param name="secrets">The secrets to verify with, by a name the test chooses (e.g. old, new).</param>
    public WebhookReceiver(IReadOnlyDictionary<string, string> secrets)
    {
        _secrets = secrets;
        _dropper = new TcpListener(IPAddress.Loopback, 0);
        _dropper.Start();
        Port = ((IPEndPoint)_dropper.LocalEndpoint).Port;
        _dropLoop = DropAsync(_dropping.Token);
    }

    public int Port { get; }

    public string UrlOf(string endpoint) => $"http://127.0.0.1:{Port}/{endpoint}";

    /// <summary>Connections taken and dropped while the receiver was down.</summary>
    public int Dropped => Volatile.Read(ref _dropped);

    /// <summary>The status to answer a request to an endpoint (default 204).</summary>
    public Func<string, int> Answer { get; set; } = _ => 204;

    public IReadOnlyCollection<Request> Requests => _requests;

    public IReadOnlyList<Request> Accepted(string endpoint) => [.. _requests.Where(r => r.Endpoint == endpoint && r.Status is >= 200 and <= 299)];

    /// <summary>Stops dropping connections and serves the port with Kestrel.</summary>
    public async Task StartAsync()
    {
        await _dropping.CancelAsync();
        _dropper.Stop();
        await _dropLoop;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{Port}");
        _app = builder.Build();
        _app.MapPost("/{endpoint}", async (string endpoint, HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var payload = await reader.ReadToEndAsync();
            var status = Answer(endpoint);
            _requests.Enqueue(new Request(endpoint, request.Headers["webhook-id"].ToString(),
                long.TryParse(request.Headers["webhook-timestamp"].ToString(), out var timestamp) ? timestamp : 0, payload, status,
                VerifiedWith(payload, request.Headers)));
            return Results.StatusCode(status);
        });
        await _app.StartAsync();
    }

    /// <summary>
    /// The names of the secrets that verify the request. Each <c>v1,…</c> of the signature header is verified on its own:
    /// StandardWebhooks 1.1.2's <c>Verify</c> never checks the last signature of a header that holds several (found while
    /// writing this test), so a receiver on the new secret would refuse a correctly signed request during rotation.
    /// </summary>
    private HashSet<string> VerifiedWith(string payload, IHeaderDictionary headers)
    {
        var verified = new HashSet<string>();
        foreach (var (name, secret) in _secrets)
        {
            var webhook = new StandardWebhook(secret);
            foreach (var signature in headers["webhook-signature"].ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var one = new HeaderDictionary
                {
                    ["webhook-id"] = headers["webhook-id"],
                    ["webhook-timestamp"] = headers["webhook-timestamp"],
                    ["webhook-signature"] = signature,
                };
                try
                {
                    webhook.Verify(payload, one);
                    verified.Add(name);
                }
                catch (WebhookVerificationException)
                {
                    // Another secret's signature.
                }
            }
        }
        return verified;
    }

    private async Task DropAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                using var socket = await _dropper.AcceptSocketAsync(cancellationToken);
                Interlocked.Increment(ref _dropped);
                socket.LingerState = new LingerOption(true, 0);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped: the receiver comes up.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _dropping.CancelAsync();
        _dropper.Stop();
        await _dropLoop;
        if (_app is not null)
            await _app.DisposeAsync();
        _dropping.Dispose();
    }
}
