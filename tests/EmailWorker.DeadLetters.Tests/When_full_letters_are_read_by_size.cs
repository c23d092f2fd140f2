using EmailWorker.DeadLetters.Store;

namespace EmailWorker.DeadLetters.Tests;

/// <summary>
/// Readers of full letters take letters up to a byte budget, not a count: a replay batch, a page of full letters and the
/// letter page's preview, against SQLite and a real PostgreSQL cluster. The budget here is small (1 MiB) so that a handful of
/// letters of some hundred KiB passes it; the store reads the same way with <see cref="LetterBudget.BytesPerRead"/>.
/// </summary>
[TestFixture(StoreKind.Sqlite)]
[TestFixture(StoreKind.Postgres)]
[CancelAfter(120_000)]
public sealed class When_full_letters_are_read_by_size(StoreKind kind)
{
    private const long Budget = 1024 * 1024;
    private const int Count = 5;
    private static readonly LetterMark Operator = new(TestLetters.Start.AddDays(1), "ops@test");

    /// <summary>Body sizes in KiB: three fit the budget together, the fourth passes it alone, then four that fit together again.</summary>
    private static readonly int[] SizesKiB = [300, 300, 300, 1536, 200, 200, 200, 200];

    private readonly ThrowawayStore _throwaway = new(kind, "store");
    private SqlDeadLetterStore _store = null!;

    [SetUp]
    public async Task OpenAsync() => _store = await _throwaway.OpenAsync(CancellationToken.None);

    [TearDown]
    public Task CloseAsync() => _throwaway.CleanUpAsync();

    private static byte[] Body(int number, int kib)
    {
        var body = new byte[kib * 1024];
        Array.Fill(body, (byte)('a' + number % 26));
        return body;
    }

    private async Task<List<IngestedLetter>> StoreBigLettersAsync(CancellationToken cancellation)
    {
        var letters = SizesKiB.Select((kib, i) =>
        {
            var made = TestLetters.Make(i + 1);
            return made with { Content = made.Content with { Body = Body(i + 1, kib) } };
        }).ToList();
        await _store.InsertAsync(letters, cancellation);
        return letters;
    }

    [Test]
    public async Task Should_read_a_replay_batch_up_to_the_byte_budget_and_go_on_where_it_ended(CancellationToken cancellation)
    {
        var letters = await StoreBigLettersAsync(cancellation);
        var job = await _store.CreateReplayJobAsync(new LetterSelection(), "--all", Operator, cancellation);

        var batches = new List<JobLetterBatch>();
        var cursor = 0L;
        while (cursor < job.Total)
        {
            var batch = await _store.ReadJobLettersAsync(job.Id, cursor, Math.Min(cursor + Count, job.Total), Budget, cancellation);
            batches.Add(batch);
            cursor = batch.Until;
        }
        var read = batches.SelectMany(b => b.Letters).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(batches.Select(b => b.Letters.Count), Is.EqualTo(new[] { 3, 1, 4 }),
                "three letters fit the budget, the big one goes alone, the last four fit again");
            Assert.That(batches.Select(b => b.Until), Is.EqualTo(new[] { 3L, 4L, 8L }), "each batch ends at its last letter's position");
            Assert.That(read.Select(l => l.Position), Is.EqualTo(Enumerable.Range(1, letters.Count).Select(i => (long)i)),
                "every position once, none skipped, none repeated");
            Assert.That(read.Select(l => l.Letter.LetterId), Is.EquivalentTo(letters.Select(l => l.LetterId)));
            Assert.That(read[3].Letter.LoadedContent.Body, Is.EqualTo(letters[3].Content.Body), "the big letter whole");
        });
    }

    [Test]
    public async Task Should_page_full_letters_up_to_the_byte_budget_without_skipping_or_repeating_one(CancellationToken cancellation)
    {
        var letters = await StoreBigLettersAsync(cancellation);

        var pages = new List<LetterPage>();
        long? after = 0;
        while (after is { } cursor)
        {
            var page = await _store.FullPageAsync(new LetterSelection(), cursor, Count, Budget, cancellation);
            pages.Add(page);
            after = page.Next;
        }
        var read = pages.SelectMany(p => p.Letters).Select(l => l.LetterId).ToList();
        var streamed = await Traffic.ToListAsync(_store.StreamFullAsync(new LetterSelection(), cancellationToken: cancellation));

        Assert.Multiple(() =>
        {
            Assert.That(pages.Select(p => p.Letters.Count), Is.EqualTo(new[] { 3, 1, 4 }), "fewer than 5 a page, at least one");
            Assert.That(read, Is.EqualTo(letters.Select(l => l.LetterId)), "every letter once, in store order");
            Assert.That(pages[1].Letters[0].LoadedContent.Body, Is.EqualTo(letters[3].Content.Body), "the big letter whole");
            Assert.That(streamed.Select(l => l.LetterId), Is.EqualTo(letters.Select(l => l.LetterId)), "the stream, with the store's own budget");
        });
    }

    [Test]
    public async Task Should_read_only_the_start_of_a_big_body_for_display(CancellationToken cancellation)
    {
        var letters = await StoreBigLettersAsync(cancellation);

        var big = await _store.PreviewAsync(letters[3].LetterId, 4096, cancellation);
        var small = await _store.PreviewAsync(letters[0].LetterId, 1024 * 1024, cancellation);
        var none = await _store.PreviewAsync("letter-99999999", 4096, cancellation);

        Assert.Multiple(() =>
        {
            Assert.That(big!.LoadedContent.Body, Is.EqualTo(letters[3].Content.Body[..4096]), "the first bytes only");
            Assert.That(big.LoadedContent.BodyLength, Is.EqualTo(letters[3].Content.Body.Length));
            Assert.That(big.LoadedContent.IsWholeBody, Is.False);
            Assert.That(big.LoadedContent.HeadersJson, Is.EqualTo(letters[3].Content.HeadersJson), "the rest of the letter in full");
            Assert.That(small!.LoadedContent.Body, Is.EqualTo(letters[0].Content.Body));
            Assert.That(small.LoadedContent.IsWholeBody, Is.True);
            Assert.That(none, Is.Null);
        });
    }
}
