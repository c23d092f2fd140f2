using EmailWorker.Contracts;
using EmailWorker.DeadLetters.Edit;
using EmailWorker.DeadLetters.Store;
using EmailWorker.DeadLetters.Views;

namespace EmailWorker.DeadLetters.Tests;

/// <summary>
/// Edit &amp; retry in the store, on SQLite and a real PostgreSQL cluster: the original is marked edited in the transaction
/// that stores its copy and queues the copy's job, and of the original and its edit exactly one can ever be sent.
/// </summary>
[TestFixture(StoreKind.Sqlite)]
[TestFixture(StoreKind.Postgres)]
[CancelAfter(60_000)]
public sealed class When_a_dead_letter_is_edited(StoreKind kind)
{
    private static readonly SendEmailLimits Limits = new() { HasDefaultSender = true };
    private readonly ThrowawayStore _throwaway = new(kind, "edit");
    private SqlDeadLetterStore _store = null!;

    [SetUp]
    public async Task OpenAsync() => _store = await _throwaway.OpenAsync(CancellationToken.None);

    [TearDown]
    public Task CloseAsync() => _throwaway.CleanUpAsync();

    [Test]
    public async Task Should_mark_the_original_edited_store_its_copy_and_queue_the_copy_alone_in_one_transaction(CancellationToken cancellation)
    {
        var original = await StoredAsync(1, cancellation);
        var copy = Edited(original, "user1@example.org.fixed");

        var queued = await _store.EditAsync(original.LetterId, copy, new LetterMark(DateTimeOffset.UtcNow, "ann"), "operator", cancellation);

        var now = await _store.GetAsync(original.LetterId, cancellation);
        var stored = await _store.GetAsync(copy.LetterId, cancellation);
        var jobLetters = await _store.ReadJobLettersAsync(queued.Job.Id, 0, queued.Job.Total, cancellation);
        var edit = await _store.GetEditAsync(copy.LetterId, cancellation);
        var audit = await _store.ListAuditAsync(null, 10, cancellation);
        var dead = await _store.CountAsync(new LetterSelection { State = LetterState.Dead }, cancellation);
        Assert.Multiple(() =>
        {
            Assert.That(now!.State, Is.EqualTo(LetterState.Edited));
            Assert.That(now.Edited?.By, Is.EqualTo("ann"));
            Assert.That(stored!.State, Is.EqualTo(LetterState.Dead));
            Assert.That(stored.MessageId, Is.EqualTo(original.MessageId));
            Assert.That(queued.Job, Has.Property(nameof(ReplayJob.Total)).EqualTo(1).And.Property(nameof(ReplayJob.State)).EqualTo(ReplayJobState.Pending));
            Assert.That(jobLetters.Select(l => l.Letter.LetterId), Is.EqualTo(new[] { copy.LetterId }), "the job sends the copy, never the original");
            Assert.That(edit!.Id, Is.EqualTo(queued.Edit.Id));
            Assert.That(edit.OriginalLetterId, Is.EqualTo(original.LetterId));
            Assert.That(edit.OriginalBody, Is.EqualTo(original.LoadedContent.Body), "the audit keeps the original as it was");
            Assert.That(edit.EditedBody, Is.EqualTo(copy.Content.Body));
            Assert.That(edit.By, Is.EqualTo("ann"));
            Assert.That(audit.Select(a => (a.Action, a.Actor, a.Role, a.JobId)), Is.EqualTo(new[] { ("edit", "ann", "operator", (long?)queued.Job.Id) }));
            Assert.That(dead, Is.EqualTo(1), "only the copy is dead");
        });
    }

    [Test]
    public async Task Should_change_nothing_when_the_letter_is_no_longer_dead(CancellationToken cancellation)
    {
        var original = await StoredAsync(2, cancellation);
        await _store.MarkPurgedAsync([original.LetterId], new LetterMark(DateTimeOffset.UtcNow, "bob"), cancellation);

        var refused = Assert.ThrowsAsync<LetterNotEditableException>(() =>
            _store.EditAsync(original.LetterId, Edited(original, "x@example.org"), new LetterMark(DateTimeOffset.UtcNow, "ann"), "operator", cancellation));

        Assert.Multiple(async () =>
        {
            Assert.That(refused!.State, Is.EqualTo(LetterState.Purged));
            Assert.That(await _store.CountAsync(new LetterSelection { State = null }, cancellation), Is.EqualTo(1), "no copy stored");
            Assert.That(await _store.ListReplayJobsAsync(10, cancellation), Is.Empty, "no job queued");
            Assert.That(await _store.ListAuditAsync(null, 10, cancellation), Is.Empty);
        });
    }

    [Test]
    public async Task Should_refuse_an_edit_while_a_replay_job_is_in_progress(CancellationToken cancellation)
    {
        var original = await StoredAsync(3, cancellation);
        await _store.CreateReplayJobAsync([original.LetterId], "replay", new LetterMark(DateTimeOffset.UtcNow, "bob"), cancellation);

        Assert.ThrowsAsync<ReplayJobBusyException>(() =>
            _store.EditAsync(original.LetterId, Edited(original, "x@example.org"), new LetterMark(DateTimeOffset.UtcNow, "ann"), "operator", cancellation));
        Assert.That((await _store.GetAsync(original.LetterId, cancellation))!.State, Is.EqualTo(LetterState.Dead));
    }

    /// <summary>
    /// A job over the original that no one runs (its creator died) does not hold the store; an edit and a run of that job
    /// race, many times: whichever commits first, the run reads the original as dead (and would send it) only when the
    /// edit was refused, and the edit succeeds only when the run reads the original as edited (and skips it).
    /// </summary>
    [Test]
    public async Task Should_let_exactly_one_of_an_edit_and_a_racing_replay_send(CancellationToken cancellation)
    {
        var outcomes = new List<(bool Edited, bool Replayed)>();
        for (var round = 0; round < 12; round++)
        {
            var original = await StoredAsync(100 + round, cancellation);
            var stale = new LetterMark(DateTimeOffset.UtcNow - SqlDeadLetterStore.ActiveJobSilence - TimeSpan.FromSeconds(5), "bob");
            var job = await _store.CreateReplayJobAsync([original.LetterId], "replay", stale, cancellation);
            var edit = Task.Run(async () =>
            {
                try
                {
                    return await _store.EditAsync(original.LetterId, Edited(original, $"fixed{round}@example.org"), new LetterMark(DateTimeOffset.UtcNow, "ann"),
                        "operator", cancellation);
                }
                catch (ReplayJobBusyException)
                {
                    return null;
                }
            }, cancellation);
            var replay = Task.Run(async () =>
            {
                await _store.ClaimReplayJobAsync(job.Id, $"runner-{round}", DateTimeOffset.UtcNow, cancellation);
                var letters = await _store.ReadJobLettersAsync(job.Id, 0, job.Total, cancellation);
                return letters.Any(l => l.Letter.State == LetterState.Dead);
            }, cancellation);
            var queued = await edit;
            outcomes.Add((queued is not null, await replay));
            // Both jobs end, so the next round starts with none in progress.
            await _store.SetReplayJobStateAsync(job.Id, ReplayJobState.Completed, DateTimeOffset.UtcNow, cancellation);
            if (queued is not null)
                await _store.SetReplayJobStateAsync(queued.Job.Id, ReplayJobState.Completed, DateTimeOffset.UtcNow, cancellation);
        }

        Assert.That(outcomes.Where(o => o.Edited == o.Replayed), Is.Empty,
            $"each round exactly one of the edit and the replay sends; edits won {outcomes.Count(o => o.Edited)} of {outcomes.Count}");
    }

    private async Task<DeadLetter> StoredAsync(int number, CancellationToken cancellation)
    {
        var letter = TestLetters.Make(number);
        await _store.InsertAsync([letter], cancellation);
        return (await _store.GetAsync(letter.LetterId, cancellation))!;
    }

    private static IngestedLetter Edited(DeadLetter original, string recipient)
    {
        var command = ContentReader.Command(original.LoadedContent.Body)!;
        var prepared = LetterEditor.Prepare(original, command,
            command with { To = [new EmailAddress { Address = recipient }], Text = "fixed" }, Limits, DateTimeOffset.UtcNow);
        Assert.That(prepared.Problems, Is.Empty);
        return prepared.Letter!;
    }
}
