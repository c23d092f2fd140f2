using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EmailWorker.Configuration;
using EmailWorker.Publisher.Connection;

namespace EmailWorker.Broker;

/// <summary>
/// Reads queue counts from RabbitMQ's management plugin, for what AMQP does not tell: messages delivered to consumers and
/// not yet acknowledged. Its figures are refreshed by the broker every few seconds. Asked on the first node of the endpoint
/// list, over https when <c>RabbitMq:ManagementHttps</c> is set (the certificate verified like AMQP's: <c>RabbitMq:Tls:CaFile</c>
/// or the system's roots), since the request carries the user's password.
/// </summary>
internal sealed class ManagementApi(RabbitMqOptions options) : IDisposable
{
    private readonly HttpClient _http = Create(options);

    public bool Enabled => options.ManagementPort > 0;

    public string Endpoint => BaseAddress(options).GetLeftPart(UriPartial.Authority);

    /// <summary>The unacknowledged count of a queue; null when the API cannot be asked (the reason says why).</summary>
    public async Task<(long? Unacked, string? Problem)> UnackedAsync(string queue, CancellationToken cancellationToken)
    {
        if (!Enabled)
            return (null, "RabbitMq:ManagementPort is 0");
        var path = $"api/queues/{Uri.EscapeDataString(options.VirtualHost)}/{Uri.EscapeDataString(queue)}";
        try
        {
            using var response = await _http.GetAsync(path, cancellationToken);
            if (!response.IsSuccessStatusCode)
                return (null, $"the management API at {Endpoint} answered {(int)response.StatusCode}");
            using var document = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(cancellationToken));
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return (null, $"the management API at {Endpoint} answered something other than a queue");
            return root.TryGetProperty("messages_unacknowledged", out var unacked) && unacked.TryGetInt64(out var count)
                ? (count, null)
                : (0, null); // A queue without statistics yet has had no unacknowledged message.
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
        {
            return (null, $"the management API at {Endpoint} cannot be reached: enable the rabbitmq_management plugin or set RabbitMq:ManagementPort");
        }
    }

    private static HttpClient Create(RabbitMqOptions options)
    {
        var handler = new SocketsHttpHandler();
        if (options.UsesManagementHttps)
            handler.SslOptions.RemoteCertificateValidationCallback = CertificateTrust.Validator(options.Tls.CaFile);
        var http = new HttpClient(handler)
        {
            BaseAddress = BaseAddress(options),
            Timeout = TimeSpan.FromSeconds(5),
        };
        var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{options.Username}:{options.Password}"));
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", credentials);
        return http;
    }

    private static Uri BaseAddress(RabbitMqOptions options) => new UriBuilder(
        options.UsesManagementHttps ? Uri.UriSchemeHttps : Uri.UriSchemeHttp, options.EndpointList[0].Host, Math.Max(options.ManagementPort, 1), "/").Uri;

    public void Dispose() => _http.Dispose();
}
