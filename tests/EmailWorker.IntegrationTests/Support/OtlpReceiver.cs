using System.Collections.Concurrent;
using System.Net;

namespace EmailWorker.IntegrationTests.Support;

/// <summary>
/// A tiny OTLP/HTTP receiver on loopback: the worker (as a child process, with <c>Observability:OtlpEndpoint</c> pointing
/// here and <c>OtlpProtocol</c> HttpProtobuf) exports its spans to it with the real exporter, and the spans are read back
/// from the protobuf request bodies. Metrics exports are answered and ignored.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<OtlpSpan> _spans = new();
    private readonly Task _loop;

    public OtlpReceiver()
    {
        BaseUrl = $"http://127.0.0.1:{WorkerListener.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        _listener.Prefixes.Add(BaseUrl + "/");
        _listener.Start();
        _loop = Task.Run(ReceiveAsync);
    }

    public string BaseUrl { get; }

    public IReadOnlyCollection<OtlpSpan> Spans => _spans;

    private async Task ReceiveAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            if (context.Request.Url?.AbsolutePath == "/v1/traces")
            {
                foreach (var span in OtlpSpan.ReadExportRequest(body.ToArray()))
                    _spans.Enqueue(span);
            }
            // An empty body is an empty Export*ServiceResponse: accepted in full.
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}
