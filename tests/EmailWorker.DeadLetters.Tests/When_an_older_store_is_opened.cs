using System.Text;
using EmailWorker.DeadLetters.Store;

namespace EmailWorker.DeadLetters.Tests;

/// <summary>
/// A store written by an older schema (version 3: a letter's content in its row) is brought up to date when it is
/// opened: its letters keep their body, headers and history, and replay jobs their place.
/// </summary>
[TestFixture(StoreKind.Sqlite)]
[TestFixture(StoreKind.Postgres)]
[CancelAfter(120_000)]
public sealed class When_an_older_store_is_opened(StoreKind kind)
{
    // The schema before migration 4 moved a letter's content out of its row.
    private const int Previous = 3;

    private readonly ThrowawayStore _throwaway = new(kind, "store");

    [TearDown]
    public Task CleanUpAsync() => _throwaway.CleanUpAsync();

    [Test]
    public async Task Should_keep_every_letter_with_its_content(CancellationToken cancellation)
    {
        await using (var connection = await _throwaway.OpenRawAtVersionAsync(Previous))
        {
            await ThrowawayStore.ExecuteAsync(connection,
                "INSERT INTO dead_letters (letter_id, message_id, class, reason, smtp_code, enhanced_code, attempts, first_failure_at, last_failure_at, " +
                "recipients, history, headers, body, group_key, stored_at, state) VALUES ('letter-1', 'm-1', 'permanent', 'user unknown', 550, '5.1.1', 1, " +
                "1000, 2000, '[\"a@example.org\"]', '[{\"attempt\":1}]', '{\"email-failure-class\":\"permanent\"}', @body, 'g1', 3000, 0)",
                ("@body", Encoding.UTF8.GetBytes("{\"messageId\":\"m-1\"}")));
            await ThrowawayStore.ExecuteAsync(connection, "INSERT INTO dead_letter_groups (group_key, label, class, smtp_code, enhanced_code) VALUES ('g1', 'user unknown', 'permanent', 550, '5.1.1')");
        }

        var store = await _throwaway.OpenAsync(cancellation);
        var letter = await store.GetAsync("letter-1", cancellation);
        var inserted = await store.InsertAsync([TestLetters.Make(2)], cancellation);
        var both = await Traffic.ToListAsync(store.StreamFullAsync(new LetterSelection(), cancellationToken: cancellation));
        var groups = await store.GroupsAsync(new LetterSelection(), 10, cancellation);

        Assert.Multiple(() =>
        {
            Assert.That(letter, Is.Not.Null);
            Assert.That(Encoding.UTF8.GetString(letter!.LoadedContent.Body), Is.EqualTo("{\"messageId\":\"m-1\"}"));
            Assert.That(letter.LoadedContent.HeadersJson, Is.EqualTo("{\"email-failure-class\":\"permanent\"}"));
            Assert.That(letter.LoadedContent.HistoryJson, Is.EqualTo("[{\"attempt\":1}]"));
            Assert.That(letter.Recipients, Is.EqualTo(new[] { "a@example.org" }));
            Assert.That(letter.LoadedContent.Properties, Is.Null, "stored before the AMQP properties were kept");
            Assert.That(inserted, Is.EqualTo(1));
            Assert.That(both.Select(l => l.LetterId), Is.EqualTo(new[] { "letter-1", "letter-00000002" }));
            Assert.That(both[1].LoadedContent.Body, Is.EqualTo(TestLetters.Make(2).Content.Body), "a letter stored after the upgrade has its content too");
            Assert.That(groups.Sum(g => g.Count), Is.EqualTo(2));
        });
    }
}
