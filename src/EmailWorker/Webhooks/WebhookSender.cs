using System.Net.Http.Headers;
using System.Text;
using EmailWorker.Diagnostics;

namespace EmailWorker.Webhooks;

/// <summary>
/// Sends one webhook: a POST of the stored payload with the Standard Webhooks headers, signed at the moment of sending.
/// Redirects are not followed (a receiver that moved is a configuration change, and a redirect could lead anywhere);
/// certificates are verified as always; the reply's body is not read.
/// </summary>
internal sealed class WebhookSender(WebhookSettings settings, TimeProvider time) : IDisposable
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";

    private readonly Lazy<HttpClient> _http = new(() => CreateClient(settings.Timeout));

    private static HttpClient CreateClient(TimeSpan timeout) =>
        new(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            // DNS changes of a receiver are seen within minutes, not never.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = timeout,
        })
        {
            Timeout = timeout,
            DefaultRequestHeaders = { UserAgent = { new ProductInfoHeaderValue("emailworker", "1.0") } },
        };

    public async Task<AttemptResult> SendAsync(WebhookEndpoint endpoint, OutboxRow row, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url)
        {
            Content = new StringContent(row.Payload, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(IdHeader, row.WebhookId);
        request.Headers.Add(TimestampHeader, now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(SignatureHeader, endpoint.Signature(row.WebhookId, now, row.Payload));
        try
        {
            using var response = await _http.Value.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var status = (int)response.StatusCode;
            return new AttemptResult(status, RetryAfter(response.Headers.RetryAfter, time.GetUtcNow()),
                response.IsSuccessStatusCode ? null : SafeText.Bound($"{status} {response.ReasonPhrase}", 200));
        }
        // Whatever one request meets is that attempt's failure: an exception thrown out of the wave would leave every row it
        // claimed leased — unsent — until the lease ran out. A receiver that resets the connection can surface as a bare
        // SocketException ("Transport endpoint is not connected"), not only as HttpRequestException.
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            var error = ex is TaskCanceledException ? $"no reply within {settings.Timeout.TotalSeconds:0} s" : ex.Message;
            return new AttemptResult(null, null, SafeText.Bound(error, 200));
        }
    }

    private static TimeSpan? RetryAfter(RetryConditionHeaderValue? header, DateTimeOffset now) => header switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } when date > now => date - now,
        _ => null,
    };

    public void Dispose()
    {
        if (_http.IsValueCreated)
            _http.Value.Dispose();
    }
}
