using EmailWorker.Worker;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace EmailWorker.Tests;

/// <summary>
/// The consumer's tag bookkeeping against channel operations that fail as RabbitMQ.Client 7 fails them: a cancel on a
/// closed channel, a consume during recovery, an RPC that times out (surfaced as <see cref="TaskCanceledException"/>).
/// </summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
internal sealed class ConsumerTagTests
{
    private int _consumes;
    private int _cancels;
    private Exception? _consumeFails;
    private Exception? _cancelFails;

    [SetUp]
    public void Reset() => (_consumes, _cancels, _consumeFails, _cancelFails) = (0, 0, null, null);

    private ConsumerTag NewTag() => new(
        () =>
        {
            _consumes++;
            return _consumeFails is { } ex ? Task.FromException<string>(ex) : Task.FromResult($"ctag-{_consumes}");
        },
        _ =>
        {
            _cancels++;
            return _cancelFails is { } ex ? Task.FromException(ex) : Task.CompletedTask;
        });

    [Test]
    public async Task Should_consume_again_after_a_cancel_failed_on_a_closed_channel()
    {
        using var tag = NewTag();
        await tag.ConsumeAsync(() => true);
        _cancelFails = new AlreadyClosedException(new ShutdownEventArgs(ShutdownInitiator.Peer, 320, "CONNECTION_FORCED"));

        Assert.ThrowsAsync<AlreadyClosedException>(() => tag.CancelAsync());
        Assert.That(tag.IsConsuming, Is.False, "the failed cancel leaves no tag");

        _cancelFails = null;
        var consumed = await tag.ConsumeAsync(() => true);
        Assert.Multiple(() =>
        {
            Assert.That(consumed, Is.True, "the next resume consumes");
            Assert.That(_consumes, Is.EqualTo(2), "a second basic.consume was issued");
            Assert.That(tag.IsConsuming, Is.True);
        });
    }

    [Test]
    public async Task Should_leave_no_tag_when_a_consume_fails()
    {
        using var tag = NewTag();
        _consumeFails = new OperationInterruptedException(new ShutdownEventArgs(ShutdownInitiator.Library, 0, "recovering"));

        Assert.ThrowsAsync<OperationInterruptedException>(() => tag.ConsumeAsync(() => true));
        Assert.That(tag.IsConsuming, Is.False);

        _consumeFails = null;
        Assert.Multiple(async () =>
        {
            Assert.That(await tag.ConsumeAsync(() => true), Is.True, "the retry consumes");
            Assert.That(_consumes, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task Should_treat_a_cancel_that_timed_out_as_a_failure_not_as_our_cancellation()
    {
        using var tag = NewTag();
        await tag.ConsumeAsync(() => true);
        // RabbitMQ.Client 7.2.2 surfaces an RPC that timed out as a TaskCanceledException on a token that is not ours.
        _cancelFails = new TaskCanceledException("the RPC timed out");

        var thrown = Assert.ThrowsAsync<TaskCanceledException>(() => tag.CancelAsync());
        Assert.Multiple(() =>
        {
            Assert.That(thrown!.CancellationToken.IsCancellationRequested, Is.False, "not a cancellation we asked for");
            Assert.That(tag.IsConsuming, Is.False, "the timed-out cancel leaves no tag");
        });

        _cancelFails = null;
        Assert.That(await tag.ConsumeAsync(() => true), Is.True, "the next resume consumes");
    }

    [Test]
    public async Task Should_not_consume_twice_or_while_held_paused()
    {
        using var tag = NewTag();
        Assert.That(await tag.ConsumeAsync(() => false), Is.False, "held paused: no consume");
        await tag.ConsumeAsync(() => true);
        Assert.Multiple(async () =>
        {
            Assert.That(await tag.ConsumeAsync(() => true), Is.False, "already consuming");
            Assert.That(_consumes, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Should_clear_the_tag_without_a_cancel_when_told_not_to_cancel()
    {
        using var tag = NewTag();
        await tag.ConsumeAsync(() => true);

        var cancelled = await tag.CancelAsync(() => false);

        Assert.Multiple(() =>
        {
            Assert.That(cancelled, Is.False);
            Assert.That(_cancels, Is.Zero, "no basic.cancel on a channel that is closed");
            Assert.That(tag.IsConsuming, Is.False);
        });
    }
}
