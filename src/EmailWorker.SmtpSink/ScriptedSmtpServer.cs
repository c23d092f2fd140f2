using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace EmailWorker.SmtpSink;

/// <summary>
/// A real SMTP server on a loopback port whose replies follow an <see cref="SmtpScript"/>. It can be stopped (listener and
/// every open connection closed) and started again on the same port, to play a relay outage; while stopped it keeps the
/// port bound without listening, so connections are refused and the port is not handed out meanwhile. With a
/// <see cref="Certificate"/> it offers STARTTLS, or speaks TLS from the first byte when <see cref="ImplicitTls"/> is set.
/// </summary>
public sealed class ScriptedSmtpServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedMessage> _received = new();
    private readonly ConcurrentQueue<ReceivedCommand> _commands = new();
    private readonly ConcurrentDictionary<Socket, byte> _connections = new();
    private readonly SemaphoreSlim _receivedSignal = new(0);
    private TcpListener? _listener;
    private CancellationTokenSource? _running;
    private Task _acceptLoop = Task.CompletedTask;
    private Socket? _portHold;

    public ScriptedSmtpServer(int port = 0) => Port = port;

    public SmtpScript Script { get; } = new();

    /// <summary>The relay's rate and connection limits (none by default); changeable while it runs.</summary>
    public SinkLimits Limits { get; } = new();

    public int Port { get; private set; }

    /// <summary>Called for every accepted message, e.g. to write it to an outbox folder.</summary>
    public event Action<ReceivedMessage>? Received;

    public IReadOnlyCollection<ReceivedMessage> Messages => _received;

    /// <summary>Every command's verb in arrival order, and whether it came over TLS: proves what was (not) said in plaintext.</summary>
    public IReadOnlyCollection<ReceivedCommand> Commands => _commands;

    /// <summary>The server's certificate, with its private key: STARTTLS is offered when set (the tests make one with EmailWorker.TestSupport.TestCertificateAuthority).</summary>
    public X509Certificate2? Certificate { get; set; }

    /// <summary>TLS from the first byte (SMTPS, port 465 style) instead of STARTTLS; needs <see cref="Certificate"/>.</summary>
    public bool ImplicitTls { get; set; }

    /// <summary>Whether accepted messages and commands are kept in <see cref="Messages"/> and <see cref="Commands"/>; a long-running sink turns it off.</summary>
    public bool KeepMessages { get; set; } = true;

    public long AcceptedCount => Interlocked.Read(ref _acceptedCount);

    /// <summary>Advertise PIPELINING (RFC 2920) in the EHLO reply, as Postfix does; pipelined commands are answered in order either way.</summary>
    public bool Pipelining { get; set; } = true;

    /// <summary>
    /// Advertise CHUNKING (RFC 3030) and take <c>BDAT</c>, as Postfix does. Off by default here: the tests script the
    /// DATA dialogue; the smtpsink program turns it on.
    /// </summary>
    public bool Chunking { get; set; }

    /// <summary>
    /// Client flights in all: reads that brought client data after the server had written a reply since its last read,
    /// i.e. the round trips the clients waited for (replies to one pipelined flight leave together, see <see cref="LineStream"/>).
    /// </summary>
    public long FlightCount => Interlocked.Read(ref _flightCount);

    private long _flightCount;

    /// <summary>
    /// Message bodies the server read for an envelope it had accepted — after its 354 to DATA, or as a BDAT chunk with a
    /// sender and a recipient accepted — whatever it then replied. A pipelined DATA or BDAT after every recipient was
    /// refused carries no body the server takes, and is not counted.
    /// </summary>
    public long BodiesRead => Interlocked.Read(ref _bodiesRead);

    private long _bodiesRead;

    /// <summary>Connections accepted in all, including those that never got past the greeting or the TLS handshake.</summary>
    public long ConnectionCount => Interlocked.Read(ref _connectionCount);

    private long _acceptedCount;
    private long _connectionCount;

    public void Start()
    {
        ReleasePort();
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _running = new CancellationTokenSource();
        _acceptLoop = AcceptLoopAsync(_listener, _running.Token);
    }

    /// <summary>Closes the listener and drops every open connection, as a crashed relay would.</summary>
    public async Task StopAsync()
    {
        if (_running is null)
            return;
        await _running.CancelAsync();
        _listener?.Stop();
        foreach (var socket in _connections.Keys)
            socket.Close();
        await _acceptLoop;
        _running.Dispose();
        _running = null;
        HoldPort();
    }

    /// <summary>
    /// Binds the stopped server's port without listening: a connection to it is refused, as by a relay that is down, but the
    /// kernel hands it out neither as an outgoing connection's ephemeral port nor to a bind to port 0 before
    /// <see cref="Start"/> (tests run side by side, and an outage lasts seconds; with no connection closed in TIME_WAIT
    /// nothing else kept the port).
    /// </summary>
    private void HoldPort()
    {
        var hold = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            hold.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            hold.Bind(new IPEndPoint(IPAddress.Loopback, Port));
            _portHold = hold;
        }
        catch (SocketException)
        {
            // Taken in the moment since the close: Start will fail naming the port.
            hold.Dispose();
        }
    }

    private void ReleasePort()
    {
        _portHold?.Dispose();
        _portHold = null;
    }

    /// <summary>Waits until at least <paramref name="count"/> messages were accepted in all; false when the timeout passed first.</summary>
    public async Task<bool> WaitForMessagesAsync(int count, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            while (AcceptedCount < count)
                await _receivedSignal.WaitAsync(deadline.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return AcceptedCount >= count;
        }
    }

    private async Task AcceptLoopAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        var sessions = new List<Task>();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var socket = await listener.AcceptSocketAsync(cancellationToken);
                // Nagle would hold every small reply back for the client's delayed ACK: ~20 messages/s instead of thousands.
                socket.NoDelay = true;
                sessions.Add(ServeAsync(socket, cancellationToken));
                sessions.RemoveAll(task => task.IsCompleted);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
        await Task.WhenAll(sessions);
    }

    private async Task ServeAsync(Socket socket, CancellationToken cancellationToken)
    {
        _connections[socket] = 0;
        Interlocked.Increment(ref _connectionCount);
        try
        {
            await using var network = new NetworkStream(socket, ownsSocket: true);
            await using var tls = ImplicitTls ? new SslStream(network, leaveInnerStreamOpen: true) : null;
            if (tls is not null)
            {
                var certificate = Certificate ?? throw new InvalidOperationException("ImplicitTls needs a Certificate");
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }, cancellationToken);
            }
            await using var session = new SmtpSession(tls ?? (Stream)network, overTls: tls is not null, this);
            await session.RunAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException or InvalidDataException
                                       or FormatException or AuthenticationException)
        {
            // The client went away or refused the certificate, or the server is stopping: the connection just ends.
        }
        finally
        {
            _connections.TryRemove(socket, out _);
            socket.Dispose();
        }
    }

    internal void RecordFlight() => Interlocked.Increment(ref _flightCount);

    internal void RecordBodyRead() => Interlocked.Increment(ref _bodiesRead);

    internal void RecordCommand(string verb, bool overTls)
    {
        if (KeepMessages)
            _commands.Enqueue(new ReceivedCommand(verb, overTls));
    }

    internal void RecordReceived(ReceivedMessage message)
    {
        Interlocked.Increment(ref _acceptedCount);
        if (KeepMessages)
            _received.Enqueue(message);
        Received?.Invoke(message);
        _receivedSignal.Release();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        ReleasePort();
        _receivedSignal.Dispose();
    }
}
