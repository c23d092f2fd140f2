using System.Net;
using System.Net.Sockets;
using EmailWorker.SmtpSink;

namespace EmailWorker.Tests.SmtpSink;

/// <summary>
/// A relay outage as the integration tests play it: while stopped the sink refuses connections and keeps its port bound, so
/// a test running alongside cannot get it as an outgoing connection's ephemeral port or from a bind to port 0 (neither
/// shares a port with a bound socket) before the sink starts again on it.
/// </summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class When_the_sink_is_stopped_and_started_again
{
    [Test]
    public async Task Should_refuse_connections_and_keep_its_port_until_it_starts_again_on_it(CancellationToken cancellationToken)
    {
        await using var server = new ScriptedSmtpServer();
        server.Start();
        var port = server.Port;

        await server.StopAsync();
        var refused = await ConnectFailureAsync(port, cancellationToken);
        var taken = TryBindWithoutSharing(port);
        server.Start();
        using var client = await SinkClient.ConnectAsync(server);

        Assert.Multiple(() =>
        {
            Assert.That(refused, Is.EqualTo(SocketError.ConnectionRefused), "a stopped relay refuses connections");
            Assert.That(taken, Is.False, "nothing else could take its port meanwhile");
            Assert.That((server.Port, client.IsConnected), Is.EqualTo((port, true)), "it answers again on the same port");
        });
    }

    private static async Task<SocketError?> ConnectFailureAsync(int port, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
            return null;
        }
        catch (SocketException ex)
        {
            return ex.SocketErrorCode;
        }
    }

    /// <summary>
    /// A bind that shares no port (no SO_REUSEADDR), as the kernel's choice of a free port does. Through libc: .NET sets
    /// SO_REUSEADDR on every TCP socket it binds on Linux, whatever the options say.
    /// </summary>
    private static bool TryBindWithoutSharing(int port)
    {
        var socket = Libc.Socket(AddressFamily: 2, Type: 1, Protocol: 0);
        Assert.That(socket, Is.Not.EqualTo(-1), "socket(2)");
        try
        {
            var address = new Libc.SocketAddressIn
            {
                Family = 2,
                Port = (ushort)IPAddress.HostToNetworkOrder((short)port),
                Address = BitConverter.ToUInt32(IPAddress.Loopback.GetAddressBytes()),
            };
            return Libc.Bind(socket, ref address, System.Runtime.InteropServices.Marshal.SizeOf<Libc.SocketAddressIn>()) == 0;
        }
        finally
        {
            _ = Libc.Close(socket);
        }
    }

    private static class Libc
    {
        [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
        public struct SocketAddressIn
        {
            public ushort Family;
            public ushort Port;
            public uint Address;
            public ulong Zero;
        }

        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "socket")]
        public static extern int Socket(int AddressFamily, int Type, int Protocol);

        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "bind")]
        public static extern int Bind(int socket, ref SocketAddressIn address, int length);

        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "close")]
        public static extern int Close(int socket);
    }
}
