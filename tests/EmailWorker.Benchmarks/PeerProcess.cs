using System.Globalization;
using System.Runtime.InteropServices;
using EmailWorker.TestSupport;

namespace EmailWorker.Benchmarks;

/// <summary>
/// A .NET peer run as a process of its own, as the worker runs: <c>peer tuned|naive --queue Q --sink-port P [--pool N]
/// [--concurrency N] [--retry]</c>, the broker from the worker's environment variables. It consumes until SIGTERM, so its CPU time
/// is read from /proc exactly as the worker's is, without the benchmark's own polling and bookkeeping in it.
/// </summary>
internal static class PeerProcess
{
    public static async Task<int> RunAsync(string[] args)
    {
        var broker = BrokerEndpoint.FromEnvironment() ?? throw new InvalidOperationException("peer: no broker in the environment");
        var queue = Value(args, "--queue") ?? throw new ArgumentException("peer: --queue is required");
        var sinkPort = Number(args, "--sink-port") ?? throw new ArgumentException("peer: --sink-port is required");
        var concurrency = Number(args, "--concurrency");
        var stop = new TaskCompletionSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.TrySetResult();
        });
        switch (args.FirstOrDefault())
        {
            case "tuned":
                await using (var pool = await SmtpClientPool.OpenAsync(sinkPort, Number(args, "--pool") ?? 4))
                    await MassTransitDrain.ConsumeUntilAsync(broker, queue, TunedMassTransit.Endpoint(pool, concurrency ?? 8, args.Contains("--retry")), stop.Task);
                return 0;
            case "naive":
                await MassTransitDrain.ConsumeUntilAsync(broker, queue, NaiveBaseline.Endpoint(sinkPort, concurrency), stop.Task);
                return 0;
            default:
                await Console.Error.WriteLineAsync("peer: tuned or naive");
                return 2;
        }
    }

    private static string? Value(string[] args, string name) =>
        Array.IndexOf(args, name) is var index and >= 0 && index + 1 < args.Length ? args[index + 1] : null;

    private static int? Number(string[] args, string name) =>
        int.TryParse(Value(args, name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
}
