using System.Collections.Concurrent;
using System.Reflection;
using EmailWorker.Worker;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;

namespace EmailWorker.Tests;

/// <summary>
/// The settler's ack loop against a channel whose first ack fails with something other than a closed channel, and its
/// wait for the delivered ledger's records before it acks.
/// </summary>
[TestFixture]
[CancelAfter(10_000)]
internal sealed class DeliverySettlerTests
{
    [Test]
    public async Task Should_keep_acking_after_an_ack_failed_unexpectedly(CancellationToken cancellationToken)
    {
        var channel = DispatchProxy.Create<IChannel, AckRecorder>();
        var recorder = (AckRecorder)(object)channel;
        await using var settler = new DeliverySettler(channel, () => Task.CompletedTask, NullLogger.Instance).Start();

        settler.Delivered(1);
        settler.Ack(1);
        await recorder.WaitUntilAsync(() => recorder.Attempts > 0, cancellationToken);
        settler.Delivered(2);
        settler.Ack(2);
        await recorder.WaitUntilAsync(() => recorder.Acked.Contains(2UL), cancellationToken);

        Assert.That(recorder.Acked, Does.Contain(2UL), "the delivery after the failed ack is acked");
    }

    [Test]
    public async Task Should_not_ack_before_the_ledger_has_recorded_what_was_done(CancellationToken cancellationToken)
    {
        var channel = DispatchProxy.Create<IChannel, AckRecorder>();
        var recorder = (AckRecorder)(object)channel;
        recorder.FailFirst = false;
        var ledger = new HeldLedger();
        await using var settler = new DeliverySettler(channel, ledger.RecordedAsync, NullLogger.Instance).Start();

        settler.Delivered(1);
        settler.Ack(1);
        await ledger.Asked.Task.WaitAsync(cancellationToken);
        Assert.That(recorder.Attempts, Is.Zero, "no ack while the ledger's records are not yet durable");
        ledger.Recorded.SetResult();
        await recorder.WaitUntilAsync(() => recorder.Acked.Contains(1UL), cancellationToken);

        Assert.That(recorder.Acked, Is.EquivalentTo(new[] { 1UL }), "acked once the records are durable");
    }

    [Test]
    public async Task Should_not_give_a_delivery_back_before_the_ledger_has_recorded_what_was_done(CancellationToken cancellationToken)
    {
        var channel = DispatchProxy.Create<IChannel, AckRecorder>();
        var recorder = (AckRecorder)(object)channel;
        var ledger = new HeldLedger();
        await using var settler = new DeliverySettler(channel, ledger.RecordedAsync, NullLogger.Instance).Start();

        settler.Delivered(1);
        var requeue = settler.RequeueAsync(1);
        await ledger.Asked.Task.WaitAsync(cancellationToken);
        Assert.That(recorder.Nacked, Is.Empty, "no nack while the ledger's records are not yet durable");
        ledger.Recorded.SetResult();
        await requeue.WaitAsync(cancellationToken);

        Assert.That(recorder.Nacked, Is.EquivalentTo(new[] { 1UL }), "given back once the records are durable");
    }

    /// <summary>The ledger's wait as the settler sees it: <see cref="Asked"/> once the settler waits, held until <see cref="Recorded"/>.</summary>
    private sealed class HeldLedger
    {
        public TaskCompletionSource Asked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Recorded { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task RecordedAsync()
        {
            Asked.TrySetResult();
            return Recorded.Task;
        }
    }

    /// <summary>A channel of which only basic.ack and basic.nack work: the first ack throws (unless told not to), the later ones and every nack are recorded.</summary>
#pragma warning disable CA1852 // DispatchProxy derives from it at run time: it must not be sealed.
    public class AckRecorder : DispatchProxy
#pragma warning restore CA1852
    {
        private readonly SemaphoreSlim _called = new(0);
        private int _attempts;

        public ConcurrentBag<ulong> Acked { get; } = [];

        public ConcurrentBag<ulong> Nacked { get; } = [];

        public int Attempts => Volatile.Read(ref _attempts);

        /// <summary>Whether the first ack fails.</summary>
        public bool FailFirst { get; set; } = true;

        /// <summary>Waits, call by call, until <paramref name="seen"/> holds.</summary>
        public async Task WaitUntilAsync(Func<bool> seen, CancellationToken cancellationToken)
        {
            while (!seen())
                await _called.WaitAsync(cancellationToken);
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            // A proxy returns the ValueTask boxed; the settler awaits it once.
#pragma warning disable CA2012
            try
            {
                return Record(targetMethod, args);
            }
            finally
            {
                _called.Release();
            }
#pragma warning restore CA2012
        }

        private ValueTask Record(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod?.Name == nameof(IChannel.BasicNackAsync))
            {
                Nacked.Add((ulong)args![0]!);
                return ValueTask.CompletedTask;
            }
            if (targetMethod?.Name != nameof(IChannel.BasicAckAsync))
                throw new NotSupportedException(targetMethod?.Name);
            if (Interlocked.Increment(ref _attempts) == 1 && FailFirst)
                return ValueTask.FromException(new InvalidOperationException("an ack that failed unexpectedly"));
            Acked.Add((ulong)args![0]!);
            return ValueTask.CompletedTask;
        }
    }
}
