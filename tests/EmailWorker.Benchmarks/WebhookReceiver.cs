using System.Net;

namespace EmailWorker.Benchmarks;

/// <summary>
/// A webhook receiver for the <c>webhooks</c> drain: an <see cref="HttpListener"/> on loopback that answers every POST
/// with 204 and counts them (the benchmark measures the worker's cost, not a receiver's).
/// </summary>
public sealed class WebhookReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private int _received;

    public WebhookReceiver()
    {
        Port = Sink.FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = ServeAsync();
    }

    public int Port { get; }

    public int Received => Volatile.Read(ref _received);

    private async Task ServeAsync()
    {
        try
        {
            while (true)
            {
                var context = await _listener.GetContextAsync();
                Interlocked.Increment(ref _received);
                context.Response.StatusCode = 204;
                context.Response.Close();
            }
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
        {
            // Stopped.
        }
    }

    public void Dispose()
    {
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
