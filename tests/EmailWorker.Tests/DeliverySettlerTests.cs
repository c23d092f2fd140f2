using System.Collections.Concurrent;
using System.Reflection;
using EmailWorker.Worker;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;

namespace EmailWorker.Tests;

/// <summary>The settler's ack loop against a channel whose first ack fails with something other than a closed channel.</summary>
[TestFixture]
[CancelAfter(10_000)]
internal sealed class DeliverySettlerTests
{
    [Test]
    public async Task Should_keep_acking_after_an_ack_failed_unexpectedly(CancellationToken cancellationToken)
    {
        var channel = DispatchProxy.Create<IChannel, AckRecorder>();
        var recorder = (AckRecorder)(object)channel;
        await using var settler = new DeliverySettler(channel, NullLogger.Instance);

        settler.Delivered(1);
        settler.Ack(1);
        while (recorder.Attempts == 0)
            await Task.Delay(10, cancellationToken);
        settler.Delivered(2);
        settler.Ack(2);
        while (!recorder.Acked.Contains(2UL))
            await Task.Delay(10, cancellationToken);

        Assert.That(recorder.Acked, Does.Contain(2UL), "the delivery after the failed ack is acked");
    }

    /// <summary>A channel of which only basic.ack works: the first one throws, the later ones are recorded.</summary>
#pragma warning disable CA1852 // DispatchProxy derives from it at run time: it must not be sealed.
    public class AckRecorder : DispatchProxy
#pragma warning restore CA1852
    {
        private int _attempts;

        public ConcurrentBag<ulong> Acked { get; } = [];

        public int Attempts => Volatile.Read(ref _attempts);

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod?.Name != nameof(IChannel.BasicAckAsync))
                throw new NotSupportedException(targetMethod?.Name);
            // A proxy returns the ValueTask boxed; the settler awaits it once.
#pragma warning disable CA2012
            if (Interlocked.Increment(ref _attempts) == 1)
                return ValueTask.FromException(new InvalidOperationException("an ack that failed unexpectedly"));
            Acked.Add((ulong)args![0]!);
            return ValueTask.CompletedTask;
#pragma warning restore CA2012
        }
    }
}
