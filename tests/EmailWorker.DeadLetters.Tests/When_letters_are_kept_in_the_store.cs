using System.Diagnostics;
using EmailWorker.Broker;
using EmailWorker.DeadLetters.Ingest;
using EmailWorker.DeadLetters.Store;

namespace EmailWorker.DeadLetters.Tests;

/// <summary>The store's contract, run the same against SQLite and a real PostgreSQL cluster; each test gets an empty store.</summary>
[TestFixture(StoreKind.Sqlite)]
[TestFixture(StoreKind.Postgres)]
[CancelAfter(120_000)]
public sealed class When_letters_are_kept_in_the_store(StoreKind kind)
{
    private static readonly LetterMark Operator = new(TestLetters.Start.AddDays(1), "ops@test");
    private readonly ThrowawayStore _throwaway = new(kind, "store");
    private SqlDeadLetterStore _store = null!;

    [SetUp]
    public async Task OpenAsync() => _store = await _throwaway.OpenAsync(CancellationToken.None);

    [TearDown]
    public Task CloseAsync() => _throwaway.CleanUpAsync();

    [Test]
    public async Task Should_keep_the_dashboard_key_ring_in_order_and_each_key_once()
    {
        await _store.StoreDashboardKeyAsync("key-b", "<key id=\"b\"/>", TestLetters.Start, CancellationToken.None);
        await _store.StoreDashboardKeyAsync("key-a", "<key id=\"a\"/>", TestLetters.Start.AddSeconds(1), CancellationToken.None);
        // The same name again (a second dashboard stored the key too): left as it is.
        await _store.StoreDashboardKeyAsync("key-b", "<key id=\"other\"/>", TestLetters.Start.AddSeconds(2), CancellationToken.None);

        Assert.That(await _store.ReadDashboardKeysAsync(CancellationToken.None), Is.EqualTo(new[] { "<key id=\"b\"/>", "<key id=\"a\"/>" }));
    }

    [Test]
    public async Task Should_store_each_letter_once_however_often_it_arrives(CancellationToken cancellation)
    {
        var letters = Enumerable.Range(1, 10).Select(i => TestLetters.Make(i)).ToList();

        var first = await _store.InsertAsync(letters, cancellation);
        var again = await _store.InsertAsync([.. letters.Take(5), TestLetters.Make(11), TestLetters.Make(11)], cancellation);

        Assert.Multiple(async () =>
        {
            Assert.That(first, Is.EqualTo(10));
            Assert.That(again, Is.EqualTo(1), "only letter 11 is new, and only once though it came twice in the batch");
            Assert.That(await _store.CountAsync(new LetterSelection(), cancellation), Is.EqualTo(11));
        });
    }

    [Test]
    public async Task Should_store_one_letter_for_the_two_copies_of_a_move_republished_after_a_channel_loss(CancellationToken cancellation)
    {
        // What differs between them is what the publishing client added to each copy: its sequence number and trace context.
        RabbitMQ.Client.BasicProperties Copy(long sequenceNumber, string spanId) => new()
        {
            MessageId = "republished",
            Headers = new Dictionary<string, object?>
            {
                ["email-attempts"] = 3,
                ["email-failure-class"] = System.Text.Encoding.UTF8.GetBytes("permanent"),
                ["x-dotnet-pub-seq-no"] = sequenceNumber,
                ["traceparent"] = System.Text.Encoding.UTF8.GetBytes($"00-0af7651916cd43dd8448eb211c80319c-{spanId}-01"),
            },
        };
        var body = System.Text.Encoding.UTF8.GetBytes("""{"messageId":"republished","to":[{"address":"ann@example.org"}]}""");

        await _store.InsertAsync([DeadLetterMapper.Map(Copy(17, "b7ad6b7169203331"), body, TestLetters.Start)], cancellation);
        await _store.InsertAsync([DeadLetterMapper.Map(Copy(3, "00f067aa0ba902b7"), body, TestLetters.Start.AddSeconds(5))], cancellation);

        Assert.That(await _store.CountAsync(new LetterSelection(), cancellation), Is.EqualTo(1), "one failure, one letter: a replay sends it once");
    }

    [Test]
    public async Task Should_keep_every_field_of_a_letter(CancellationToken cancellation)
    {
        var properties = new LetterProperties("application/vnd.masstransit+json", "utf-8", "mt-7", "corr-7", "urn:message:SendEmail", "shop", 1_796_000_000);
        var made = TestLetters.Make(7, reason: "Mailbox full: ünïcödé ✉");
        var letter = made with
        {
            Failure = made.Failure with { EnhancedCode = null },
            Content = made.Content with { Body = [0, 1, 2, 255, 254], Properties = properties },
        };
        await _store.InsertAsync([letter], cancellation);

        var stored = await _store.GetAsync(letter.LetterId, cancellation);
        var byMessage = await _store.GetByMessageIdAsync("m-7", 10, cancellation);

        Assert.That(stored, Is.Not.Null);
        var summary = stored!;
        var failure = stored.Failure;
        var content = stored.LoadedContent;
        Assert.Multiple(() =>
        {
            Assert.That(summary.LetterId, Is.EqualTo(letter.LetterId));
            Assert.That(summary.MessageId, Is.EqualTo("m-7"));
            Assert.That(failure.Class, Is.EqualTo("permanent"));
            Assert.That(failure.Reason, Is.EqualTo("Mailbox full: ünïcödé ✉"));
            Assert.That(failure.SmtpCode, Is.EqualTo(550));
            Assert.That(failure.EnhancedCode, Is.Null);
            Assert.That(failure.Attempts, Is.EqualTo(1));
            Assert.That(failure.FirstFailureAt, Is.EqualTo(letter.Failure.FirstFailureAt));
            Assert.That(failure.LastFailureAt, Is.EqualTo(letter.Failure.LastFailureAt));
            Assert.That(summary.Recipients, Is.EqualTo(new[] { "user7@example.org" }));
            Assert.That(summary.Group, Is.EqualTo(letter.Group.Key));
            Assert.That(summary.State, Is.EqualTo(LetterState.Dead));
            Assert.That(content.Body, Is.EqualTo(new byte[] { 0, 1, 2, 255, 254 }));
            Assert.That(content.HeadersJson, Is.EqualTo(letter.Content.HeadersJson));
            Assert.That(content.HistoryJson, Is.EqualTo(letter.Content.HistoryJson));
            Assert.That(content.Properties, Is.EqualTo(properties), "the AMQP properties a replay publishes again");
            Assert.That(byMessage.Select(l => l.LetterId), Is.EqualTo(new[] { letter.LetterId }));
        });
    }

    [Test]
    public async Task Should_store_a_letter_whose_long_fields_end_inside_a_surrogate_pair(CancellationToken cancellation)
    {
        // U+1F600 is two UTF-16 characters; each bound (the reason's 2,000, the group label's 200, the messageId's 256 and an
        // address's 320 characters) falls between them. Half a pair cannot be written as UTF-8: PostgreSQL refused the
        // batch, and the ingester tried the same batch again for good.
        const string Pair = "\U0001F600";
        var reason = new string('x', 194) + Pair + new string('y', 1803) + Pair + " tail";
        var messageId = new string('m', 255) + Pair;
        var address = new string('a', 319) + Pair + "@example.org";
        var body = System.Text.Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(new { messageId, to = new[] { new { address } } }));
        var properties = new RabbitMQ.Client.BasicProperties
        {
            Headers = new Dictionary<string, object?>
            {
                ["email-failure-class"] = System.Text.Encoding.UTF8.GetBytes("permanent"),
                ["email-failure-reason"] = System.Text.Encoding.UTF8.GetBytes(reason),
                ["email-smtp-code"] = 550,
                ["email-attempts"] = 1,
            },
        };
        var letter = DeadLetterMapper.Map(properties, body, TestLetters.Start);

        var inserted = await _store.InsertAsync([letter, TestLetters.Make(2)], cancellation);
        var stored = await _store.GetAsync(letter.LetterId, cancellation);
        var group = (await _store.GroupsAsync(new LetterSelection { Group = letter.Group.Key }, 1, cancellation)).Single();

        var strict = new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        Assert.Multiple(() =>
        {
            Assert.That(inserted, Is.EqualTo(2), "the letter and the one after it in the batch");
            Assert.That(stored!.Failure.Reason, Is.EqualTo(reason[..1999]), "cut before the pair, not inside it");
            Assert.That(stored.MessageId, Is.EqualTo(messageId[..255]));
            Assert.That(stored.Recipients, Is.EqualTo(new[] { address[..319] }));
            Assert.That(group.Label, Is.EqualTo("550 " + reason[..194] + "…"));
            Assert.That(() => strict.GetBytes(group.Label + stored.Failure.Reason + stored.MessageId), Throws.Nothing);
        });
    }

    [Test]
    public async Task Should_keep_every_amqp_property_header_byte_and_body_byte_a_letter_came_with(CancellationToken cancellation)
    {
        // What `dlq show --raw` and `dlq export` show of a letter as it came: every property, even those a replay does not send again.
        var properties = new RabbitMQ.Client.BasicProperties
        {
            ContentType = "text/plain", ContentEncoding = "gzip", MessageId = "as-it-came", CorrelationId = "corr-1", Type = "legacy",
            AppId = "billing", Timestamp = new RabbitMQ.Client.AmqpTimestamp(1_796_000_000), DeliveryMode = RabbitMQ.Client.DeliveryModes.Transient,
            Priority = 9, ReplyTo = "replies", Expiration = "60000", UserId = "producer", ClusterId = "east",
            Headers = new Dictionary<string, object?>
            {
                ["x-origin"] = System.Text.Encoding.UTF8.GetBytes("elsewhere"),
                ["x-token"] = new byte[] { 0xff, 0x00, (byte)'A', 0xc3 },
            },
        };
        byte[] body = [.. "not json\u001b"u8, 0x1b, 0x00, 0xff, 0xc3, (byte)'\n'];
        var letter = DeadLetterMapper.Map(properties, body, TestLetters.Start);

        await _store.InsertAsync([letter], cancellation);
        var stored = (await _store.GetAsync(letter.LetterId, cancellation))!.LoadedContent;

        Assert.Multiple(() =>
        {
            Assert.That(stored.Body, Is.EqualTo(body), "byte for byte");
            Assert.That(stored.Properties, Is.EqualTo(new LetterProperties("text/plain", "gzip", "as-it-came", "corr-1", "legacy", "billing",
                1_796_000_000, DeliveryMode: 1, Priority: 9, ReplyTo: "replies", Expiration: "60000", UserId: "producer", ClusterId: "east")));
            Assert.That(stored.HeadersJson, Is.EqualTo("""{"x-origin":"elsewhere","x-token":{"$bytes":"/wBBww=="}}"""), "a byte string that is not UTF-8 as base64");
            Assert.That(HeaderJson.Read(stored.HeadersJson)["x-token"], Is.EqualTo(new byte[] { 0xff, 0x00, (byte)'A', 0xc3 }), "and back, byte for byte, for a replay");
        });
    }

    [Test]
    public async Task Should_stream_every_one_of_70000_letters_page_by_page(CancellationToken cancellation)
    {
        const int Total = 70_000;
        foreach (var chunk in Enumerable.Range(1, Total).Chunk(1000))
            await _store.InsertAsync([.. chunk.Select(i => TestLetters.Make(i, letterClass: i % 7 == 0 ? "transient" : "permanent"))], cancellation);

        var timer = Stopwatch.StartNew();
        var firstPage = await _store.PageAsync(new LetterSelection(), null, 50, LetterOrder.NewestFirst, cancellation);
        TestContext.Out.WriteLine($"{kind}: first page of 50 (newest first) of {Total} letters in {timer.Elapsed.TotalMilliseconds:F1} ms");

        var seen = new HashSet<string>();
        long previous = 0;
        var ordered = true;
        await foreach (var letter in _store.StreamAsync(new LetterSelection(), cancellationToken: cancellation))
        {
            seen.Add(letter.LetterId);
            ordered &= letter.Sequence > previous;
            previous = letter.Sequence;
        }
        var transient = await CountStreamAsync(new LetterSelection { Class = "transient" }, null, cancellation);
        var limited = await CountStreamAsync(new LetterSelection(), 1234, cancellation);

        Assert.Multiple(() =>
        {
            Assert.That(seen, Has.Count.EqualTo(Total), "every letter exactly once");
            Assert.That(ordered, Is.True, "in store order");
            Assert.That(transient, Is.EqualTo(Total / 7));
            Assert.That(limited, Is.EqualTo(1234));
            Assert.That(firstPage.Letters, Has.Count.EqualTo(50));
            Assert.That(firstPage.Letters[0].LetterId, Is.EqualTo($"letter-{Total:D8}"), "newest first");
            Assert.That(firstPage.Next, Is.Not.Null);
        });
    }

    [Test]
    public async Task Should_page_with_a_cursor_in_both_orders(CancellationToken cancellation)
    {
        await _store.InsertAsync([.. Enumerable.Range(1, 25).Select(i => TestLetters.Make(i))], cancellation);

        var oldest = await AllPagesAsync(LetterOrder.OldestFirst, cancellation);
        var newest = await AllPagesAsync(LetterOrder.NewestFirst, cancellation);

        Assert.Multiple(() =>
        {
            Assert.That(oldest, Is.EqualTo(Enumerable.Range(1, 25).Select(i => $"letter-{i:D8}")));
            Assert.That(newest, Is.EqualTo(Enumerable.Range(1, 25).Reverse().Select(i => $"letter-{i:D8}")));
        });
    }

    [Test]
    public async Task Should_select_by_every_filter(CancellationToken cancellation)
    {
        await _store.InsertAsync(
        [
            TestLetters.Make(1),
            TestLetters.Make(2, "transient", 451, "4.7.1", "Greylisted, please try again later"),
            TestLetters.Make(3, "permanent", 554, "5.7.1", "Message rejected: SPAM detected"),
            TestLetters.Make(4, "expired", null, null, "expiresAt passed"),
            TestLetters.Make(5, messageId: "shared"),
            TestLetters.Make(6, messageId: "shared"),
        ], cancellation);

        Assert.Multiple(async () =>
        {
            Assert.That(await IdsAsync(new LetterSelection { Class = "transient" }), Is.EqualTo(new[] { 2 }));
            Assert.That(await IdsAsync(new LetterSelection { SmtpCode = 554 }), Is.EqualTo(new[] { 3 }));
            Assert.That(await IdsAsync(new LetterSelection { EnhancedCode = "5.1.1" }), Is.EqualTo(new[] { 1, 5, 6 }));
            Assert.That(await IdsAsync(new LetterSelection { Group = TestLetters.Make(2, "transient", 451, "4.7.1", "Greylisted, please try again later").Group.Key }),
                Is.EqualTo(new[] { 2 }));
            Assert.That(await IdsAsync(new LetterSelection { MessageId = "shared" }), Is.EqualTo(new[] { 5, 6 }));
            Assert.That(await IdsAsync(new LetterSelection { ReasonContains = "spam" }), Is.EqualTo(new[] { 3 }), "text without regard to case");
            Assert.That(await IdsAsync(new LetterSelection { Since = TestLetters.Start.AddSeconds(3), Until = TestLetters.Start.AddSeconds(5) }),
                Is.EqualTo(new[] { 3, 4 }), "since inclusive, until exclusive");
            Assert.That(await IdsAsync(new LetterSelection { Class = "permanent", SmtpCode = 550, MessageId = "shared" }), Is.EqualTo(new[] { 5, 6 }));
            Assert.That(await _store.CountAsync(new LetterSelection { Class = "permanent" }, cancellation), Is.EqualTo(4));
        });

        async Task<int[]> IdsAsync(LetterSelection filter)
        {
            var ids = new List<int>();
            await foreach (var letter in _store.StreamAsync(filter, cancellationToken: cancellation))
                ids.Add(int.Parse(letter.LetterId["letter-".Length..], System.Globalization.CultureInfo.InvariantCulture));
            return [.. ids];
        }
    }

    [Test]
    public async Task Should_group_letters_that_failed_alike(CancellationToken cancellation)
    {
        await _store.InsertAsync(
        [
            .. Enumerable.Range(1, 5).Select(i => TestLetters.Make(i)),
            .. Enumerable.Range(6, 2).Select(i => TestLetters.Make(i, "transient", 451, "4.7.1", $"Greylisted for {i * 60} seconds")),
            TestLetters.Make(8, "permanent", 552, "5.3.4", "Message too big"),
        ], cancellation);

        var groups = await _store.GroupsAsync(new LetterSelection(), 10, cancellation);
        var top = await _store.GroupsAsync(new LetterSelection(), 1, cancellation);

        Assert.That(groups, Has.Count.EqualTo(3));
        Assert.Multiple(() =>
        {
            Assert.That(groups.Select(g => g.Count), Is.EqualTo(new long[] { 5, 2, 1 }), "largest first");
            Assert.That(groups[0].Label, Is.EqualTo("550 5.1.1 <{address}>: Recipient address rejected: User unknown"));
            Assert.That(groups[0].FirstSeen, Is.EqualTo(TestLetters.Start.AddSeconds(1)));
            Assert.That(groups[0].LastSeen, Is.EqualTo(TestLetters.Start.AddSeconds(5)));
            Assert.That(groups[0].SampleReason, Is.EqualTo("<user1@example.org>: Recipient address rejected: User unknown"));
            Assert.That(groups[1].Label, Is.EqualTo("451 4.7.1 Greylisted for # seconds"));
            Assert.That((groups[1].Class, groups[1].SmtpCode, groups[1].EnhancedCode), Is.EqualTo(("transient", (int?)451, "4.7.1")));
            Assert.That(top.Select(g => g.Key), Is.EqualTo(new[] { groups[0].Key }));
        });
    }

    [Test]
    public async Task Should_mark_letters_replayed_or_purged_once_and_keep_them_as_history(CancellationToken cancellation)
    {
        await _store.InsertAsync([.. Enumerable.Range(1, 6).Select(i => TestLetters.Make(i, letterClass: i <= 4 ? "permanent" : "transient"))], cancellation);
        var purger = new LetterMark(Operator.At.AddMinutes(1), "purger");

        var replayed = await _store.MarkReplayedAsync(["letter-00000001", "letter-00000002", "no-such-letter"], Operator, cancellation);
        var replayedAgain = await _store.MarkReplayedAsync(["letter-00000001"], Operator, cancellation);
        var purgedReplayed = await _store.MarkPurgedAsync(["letter-00000002", "letter-00000003"], purger, cancellation);
        var purgedByFilter = await _store.PurgeAsync(new LetterSelection { Class = "transient" }, purger, cancellation);
        var one = (await _store.GetAsync("letter-00000001", cancellation))!;
        var three = (await _store.GetAsync("letter-00000003", cancellation))!;

        Assert.Multiple(async () =>
        {
            Assert.That(replayed, Is.EqualTo(2));
            Assert.That(replayedAgain, Is.Zero, "a replayed letter is not replayed twice");
            Assert.That(purgedReplayed, Is.EqualTo(1), "only the letter still dead is purged");
            Assert.That(purgedByFilter, Is.EqualTo(2));
            Assert.That(one.State, Is.EqualTo(LetterState.Replayed));
            Assert.That(one.Replayed, Is.EqualTo(Operator));
            Assert.That(three.State, Is.EqualTo(LetterState.Purged));
            Assert.That(three.Purged, Is.EqualTo(purger));
            Assert.That(await _store.CountAsync(new LetterSelection(), cancellation), Is.EqualTo(1), "only letter 4 is still dead");
            Assert.That(await _store.CountAsync(new LetterSelection { State = LetterState.Replayed }, cancellation), Is.EqualTo(2));
            Assert.That(await _store.CountAsync(new LetterSelection { State = LetterState.Purged }, cancellation), Is.EqualTo(3));
            Assert.That(await _store.CountAsync(new LetterSelection { State = null }, cancellation), Is.EqualTo(6));
        });
    }

    [Test]
    public async Task Should_delete_only_history_older_than_the_retention(CancellationToken cancellation)
    {
        await _store.InsertAsync([.. Enumerable.Range(1, 5).Select(i => TestLetters.Make(i))], cancellation);
        await _store.MarkReplayedAsync(["letter-00000001"], new LetterMark(TestLetters.Start.AddDays(1), "old"), cancellation);
        await _store.MarkPurgedAsync(["letter-00000002"], new LetterMark(TestLetters.Start.AddDays(1), "old"), cancellation);
        await _store.MarkPurgedAsync(["letter-00000003"], new LetterMark(TestLetters.Start.AddDays(20), "recent"), cancellation);
        var oldJob = await _store.CreateReplayJobAsync(["letter-00000004"], "old job", new LetterMark(TestLetters.Start.AddDays(1), "old"), cancellation);
        await _store.SetReplayJobStateAsync(oldJob.Id, ReplayJobState.Completed, TestLetters.Start.AddDays(1), cancellation);

        var deleted = await _store.DeleteHistoryAsync(TestLetters.Start.AddDays(10), cancellation);

        Assert.Multiple(async () =>
        {
            Assert.That(deleted, Is.EqualTo(2));
            Assert.That(await _store.GetAsync("letter-00000001", cancellation), Is.Null);
            Assert.That(await _store.GetAsync("letter-00000002", cancellation), Is.Null);
            Assert.That(await _store.GetAsync("letter-00000003", cancellation), Is.Not.Null, "purged after the cut-off");
            Assert.That(await _store.CountAsync(new LetterSelection(), cancellation), Is.EqualTo(2), "dead letters are never removed by time");
            Assert.That(await _store.GetReplayJobAsync(oldJob.Id, cancellation), Is.Null, "an ended job older than the cut-off");
        });
    }

    [Test]
    public async Task Should_delete_each_letters_content_with_it_when_two_sweeps_run_at_once(CancellationToken cancellation)
    {
        // Several hosts on one PostgreSQL store each run the retention. Two sweeps of more than one chunk (5,000) of history,
        // started while another transaction holds the contents (so both are under way before either deletes anything).
        const int Total = 12_000;
        foreach (var chunk in Enumerable.Range(1, Total).Chunk(2000))
            await _store.InsertAsync([.. chunk.Select(i => TestLetters.Make(i))], cancellation);
        await _store.PurgeAsync(new LetterSelection(), new LetterMark(TestLetters.Start.AddDays(1), "old"), cancellation);
        var cutoff = TestLetters.Start.AddDays(10);

        Task<long> first, second;
        var (connection, holder) = await HoldAllContentsAsync();
        await using (connection)
        await using (holder)
        {
            first = Task.Run(() => _store.DeleteHistoryAsync(cutoff, cancellation), cancellation);
            second = Task.Run(() => _store.DeleteHistoryAsync(cutoff, cancellation), cancellation);
            if (kind == StoreKind.Postgres)
                Assert.That(await SessionsWaitingForALockAsync(2, cancellation), Is.True, "both sweeps are waiting");
            await holder.CommitAsync(cancellation);
        }
        var deleted = await first + await second;

        Assert.Multiple(async () =>
        {
            Assert.That(deleted, Is.EqualTo(Total), "each letter deleted once, by one sweep or the other");
            Assert.That(await _store.CountAsync(new LetterSelection { State = null }, cancellation), Is.Zero);
            Assert.That(await CountRawAsync("SELECT COUNT(*) FROM dead_letter_contents"), Is.Zero, "no content left behind without its letter");
        });
    }

    /// <summary>Another host's transaction that holds every letter's content (SQLite: the file's write lock).</summary>
    private async Task<(System.Data.Common.DbConnection, System.Data.Common.DbTransaction)> HoldAllContentsAsync()
    {
        var connection = await _throwaway.OpenRawAsync(postgresPooling: false);
        var transaction = await connection.BeginTransactionAsync();
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = kind == StoreKind.Sqlite
            ? "UPDATE dead_letter_contents SET history = history WHERE seq = (SELECT MIN(seq) FROM dead_letter_contents)"
            : "SELECT seq FROM dead_letter_contents FOR UPDATE";
        await command.ExecuteNonQueryAsync();
        return (connection, transaction);
    }

    private async Task<long> CountRawAsync(string sql)
    {
        await using var connection = await _throwaway.OpenRawAsync(postgresPooling: false);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Whether <paramref name="count"/> sessions on the test's PostgreSQL database wait for a lock, within 30 s.</summary>
    private async Task<bool> SessionsWaitingForALockAsync(int count, CancellationToken cancellation)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        bound.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            return await Traffic.EventuallyAsync(async () => await CountRawAsync(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") >= count, bound.Token,
                TimeSpan.FromMilliseconds(50));
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return false;
        }
    }

    [Test]
    public async Task Should_run_a_replay_job_over_the_selection_fixed_at_its_start(CancellationToken cancellation)
    {
        await _store.InsertAsync([.. Enumerable.Range(1, 10).Select(i => TestLetters.Make(i, letterClass: i % 2 == 0 ? "transient" : "permanent"))], cancellation);
        await _store.MarkPurgedAsync(["letter-00000002"], Operator, cancellation);

        var job = await _store.CreateReplayJobAsync(new LetterSelection { Class = "transient" }, "--class transient", Operator, cancellation);
        await _store.InsertAsync([TestLetters.Make(12, letterClass: "transient")], cancellation);
        await _store.ClaimReplayJobAsync(job.Id, "run-1", Operator.At, cancellation);
        var first = await _store.ReadJobLettersAsync(job.Id, 0, 2, cancellation);
        await _store.MarkPurgedAsync(["letter-00000008"], Operator, cancellation);
        var advanced = await _store.AdvanceReplayJobAsync(job.Id, "run-1", first[^1].Position, [.. first.Select(l => l.Letter.LetterId)], 0,
            first[^1].Position, Operator, cancellation);
        // As after a kill: a new reader of the same job goes on after the cursor.
        var rest = await _store.ReadJobLettersAsync(job.Id, advanced.Cursor, job.Total, cancellation);
        var skipped = rest.Where(l => l.Letter.State != LetterState.Dead).ToList();
        var done = await _store.AdvanceReplayJobAsync(job.Id, "run-1", rest[^1].Position,
            [.. rest.Except(skipped).Select(l => l.Letter.LetterId)], skipped.Count, job.Total, Operator, cancellation);
        var completed = await _store.ReleaseReplayJobAsync(job.Id, "run-1", ReplayJobState.Completed, Operator.At, cancellation);
        var byIds = await _store.CreateReplayJobAsync(["letter-00000009", "letter-00000001", "letter-00000004", "unknown"], "ids", Operator, cancellation);

        Assert.Multiple(async () =>
        {
            Assert.That(job.Total, Is.EqualTo(4), "transient letters 4, 6, 8, 10; not the purged 2, not the later 12");
            Assert.That(job.State, Is.EqualTo(ReplayJobState.Pending));
            Assert.That(first.Select(l => (l.Position, l.Letter.LetterId)), Is.EqualTo(new[] { (1L, "letter-00000004"), (2L, "letter-00000006") }));
            Assert.That(advanced.Cursor, Is.EqualTo(2));
            Assert.That(advanced.Replayed, Is.EqualTo(2));
            Assert.That(rest.Select(l => l.Letter.LetterId), Is.EqualTo(new[] { "letter-00000008", "letter-00000010" }));
            Assert.That(skipped.Select(l => l.Letter.LetterId), Is.EqualTo(new[] { "letter-00000008" }));
            Assert.That((done.Cursor, done.Replayed, done.Skipped), Is.EqualTo((4L, 3L, 1L)));
            Assert.That(await _store.ReadJobLettersAsync(job.Id, done.Cursor, job.Total, cancellation), Is.Empty);
            Assert.That(completed.State, Is.EqualTo(ReplayJobState.Completed));
            Assert.That(await _store.CountAsync(new LetterSelection { State = LetterState.Replayed }, cancellation), Is.EqualTo(3));
            Assert.That(byIds.Total, Is.EqualTo(2), "letter 4 is replayed already and 'unknown' is not stored");
            Assert.That((await _store.ReadJobLettersAsync(byIds.Id, 0, byIds.Total, cancellation)).Select(l => l.Letter.LetterId),
                Is.EqualTo(new[] { "letter-00000001", "letter-00000009" }), "in store order");
            Assert.That((await _store.ListReplayJobsAsync(10, cancellation)).Select(j => j.Id), Is.EqualTo(new[] { byIds.Id, job.Id }));
            Assert.That((await _store.GetReplayJobAsync(job.Id, cancellation))!.CreatedBy, Is.EqualTo("ops@test"));
        });
    }

    [Test]
    public async Task Should_filter_by_recipient_domain_and_stream_full_letters_past_a_page(CancellationToken cancellation)
    {
        await _store.InsertAsync([.. Enumerable.Range(1, 250).Select(i => TestLetters.Make(i))], cancellation);
        await _store.InsertAsync([TestLetters.Make(251) with { Recipients = ["a@example.org", "Ops@Mail.Example.NET"] }], cancellation);
        await _store.MarkPurgedAsync(["letter-00000003"], Operator, cancellation);

        var full = await Traffic.ToListAsync(_store.StreamFullAsync(new LetterSelection(), cancellationToken: cancellation));
        var limited = await Traffic.ToListAsync(_store.StreamFullAsync(new LetterSelection(), 120, cancellation));
        var domain = await Traffic.ToListAsync(_store.StreamAsync(new LetterSelection { RecipientDomain = "mail.example.net" }, cancellationToken: cancellation));
        var parent = await _store.CountAsync(new LetterSelection { RecipientDomain = "example.net" }, cancellation);

        Assert.Multiple(() =>
        {
            Assert.That(full, Has.Count.EqualTo(250), "every dead letter (not the purged one), over several pages");
            Assert.That(full.Select(l => l.Sequence), Is.Ordered.Ascending);
            Assert.That(full[0].LoadedContent.Body, Is.EqualTo(TestLetters.Make(1).Content.Body), "with its body");
            Assert.That(full[0].LoadedContent.HeadersJson, Is.EqualTo(TestLetters.Make(1).Content.HeadersJson));
            Assert.That(limited, Has.Count.EqualTo(120));
            Assert.That(domain.Select(l => l.LetterId), Is.EqualTo(new[] { "letter-00000251" }), "the domain without regard to case");
            Assert.That(parent, Is.Zero, "a domain matches whole, not a parent domain of it");
        });
    }

    [Test]
    public async Task Should_record_the_window_a_replay_job_has_in_flight(CancellationToken cancellation)
    {
        await _store.InsertAsync([.. Enumerable.Range(1, 6).Select(i => TestLetters.Make(i))], cancellation);
        var job = await _store.CreateReplayJobAsync(new LetterSelection(), "--all", Operator, cancellation);

        await _store.ClaimReplayJobAsync(job.Id, "run-1", Operator.At, cancellation);
        var inFlight = await _store.BeginReplayWindowAsync(job.Id, "run-1", 4, Operator.At, cancellation);
        var batch = await _store.ReadJobLettersAsync(job.Id, 0, 2, cancellation);
        // A kill here: a resume finds the window recorded, the cursor where it was.
        var resumed = await _store.GetReplayJobAsync(job.Id, cancellation);
        var marked = await _store.AdvanceReplayJobAsync(job.Id, "run-1", 2, [.. batch.Select(l => l.Letter.LetterId)], 0, 6, Operator, cancellation);

        Assert.Multiple(() =>
        {
            Assert.That(job.InFlightUntil, Is.Zero);
            Assert.That((inFlight.Cursor, inFlight.InFlightUntil), Is.EqualTo((0L, 4L)));
            Assert.That((resumed!.Cursor, resumed.InFlightUntil), Is.EqualTo((0L, 4L)));
            Assert.That((marked.Cursor, marked.InFlightUntil, marked.Replayed), Is.EqualTo((2L, 6L, 2L)), "the in-flight mark moves on with the cursor");
        });
    }

    [Test]
    public async Task Should_let_one_run_at_a_time_hold_a_replay_job(CancellationToken cancellation)
    {
        await _store.InsertAsync([.. Enumerable.Range(1, 4).Select(i => TestLetters.Make(i))], cancellation);
        var job = await _store.CreateReplayJobAsync(new LetterSelection(), "--all", Operator, cancellation);
        var start = Operator.At;
        var silent = start + SqlDeadLetterStore.ActiveJobSilence + TimeSpan.FromSeconds(1);
        string[] firstTwo = ["letter-00000001", "letter-00000002"];

        var first = await _store.ClaimReplayJobAsync(job.Id, "run-a", start, cancellation);
        var second = Assert.ThrowsAsync<ReplayJobBusyException>(() => _store.ClaimReplayJobAsync(job.Id, "run-b", start.AddSeconds(1), cancellation));
        var otherJob = Assert.ThrowsAsync<ReplayJobBusyException>(() => _store.CreateReplayJobAsync(new LetterSelection(), "--all", new LetterMark(start.AddSeconds(1), "b"), cancellation));
        var notHeld = Assert.ThrowsAsync<ReplayJobBusyException>(() => _store.AdvanceReplayJobAsync(job.Id, "run-b", 2, firstTwo, 0, 4, Operator, cancellation));
        var renewed = await _store.RenewReplayJobAsync(job.Id, "run-a", new TestClock(start.AddSeconds(3)), cancellation);
        // Run a falls silent (killed, or stopped): after the silence run b takes the job over, and a can no longer move it on.
        var takenOver = await _store.ClaimReplayJobAsync(job.Id, "run-b", silent.AddSeconds(3), cancellation);
        var late = Assert.ThrowsAsync<ReplayJobBusyException>(() => _store.AdvanceReplayJobAsync(job.Id, "run-a", 2, firstTwo, 0, 4, Operator, cancellation));
        var renewedLate = await _store.RenewReplayJobAsync(job.Id, "run-a", new TestClock(silent.AddSeconds(4)), cancellation);
        var replayedByLate = await _store.CountAsync(new LetterSelection { State = LetterState.Replayed }, cancellation);
        // Released while running (an interrupted run): another run may resume at once, and a new job may start.
        var released = await _store.ReleaseReplayJobAsync(job.Id, "run-b", ReplayJobState.Running, silent.AddSeconds(5), cancellation);
        var third = await _store.ClaimReplayJobAsync(job.Id, "run-c", silent.AddSeconds(5), cancellation);
        await _store.ReleaseReplayJobAsync(job.Id, "run-c", ReplayJobState.Running, silent.AddSeconds(6), cancellation);
        var newJob = await _store.CreateReplayJobAsync(["letter-00000004"], "ids", new LetterMark(silent.AddSeconds(6), "c"), cancellation);

        Assert.Multiple(() =>
        {
            Assert.That(first.State, Is.EqualTo(ReplayJobState.Running));
            Assert.That(second!.JobId, Is.EqualTo(job.Id), "a second run of a job held with recent progress is refused");
            Assert.That(otherJob!.JobId, Is.EqualTo(job.Id), "and so is a new job");
            Assert.That(notHeld, Is.Not.Null, "a run that does not hold the job cannot move it on");
            Assert.That(renewed, Is.True);
            Assert.That(takenOver.State, Is.EqualTo(ReplayJobState.Running));
            Assert.That(late, Is.Not.Null, "the silent run lost its hold");
            Assert.That(renewedLate, Is.False);
            Assert.That(replayedByLate, Is.Zero, "the refused advance marked nothing");
            Assert.That(released.State, Is.EqualTo(ReplayJobState.Running));
            Assert.That(third.State, Is.EqualTo(ReplayJobState.Running));
            Assert.That(newJob.Total, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Should_keep_a_job_with_its_run_while_the_runs_heartbeat_waits_for_the_write_lock(CancellationToken cancellation)
    {
        await _store.InsertAsync([TestLetters.Make(1)], cancellation);
        var job = await _store.CreateReplayJobAsync(new LetterSelection(), "--all", Operator, cancellation);
        var start = Operator.At;
        await _store.ClaimReplayJobAsync(job.Id, "run-a", start, cancellation);
        // Longest a renew can wait for the lock (SQLite's busy timeout; then it fails and its run stops), less a second.
        var lockWait = SqliteDeadLetterStore.LockWait - TimeSpan.FromSeconds(1);

        // Run a's next heartbeat is due; another process holds the lock (an ingester's batch, a purge's chunk) meanwhile.
        var clock = new TestClock(start + SqlDeadLetterStore.HeartbeatInterval);
        var whileWaiting = Assert.ThrowsAsync<ReplayJobBusyException>(() =>
            _store.ClaimReplayJobAsync(job.Id, "run-b", start + SqlDeadLetterStore.HeartbeatInterval + lockWait, cancellation));
        bool renewed;
        var (connection, holder) = await HoldJobLockAsync(job.Id);
        await using (connection)
        await using (holder)
        {
            // On a thread of its own: SQLite's wait for the lock blocks the caller.
            var renewing = Task.Run(() => _store.RenewReplayJobAsync(job.Id, "run-a", clock, cancellation), cancellation);
            clock.Now += lockWait;
            await holder.CommitAsync(cancellation);
            renewed = await renewing;
        }
        // The renew that waited went through just now; the run's next heartbeat may wait as long again.
        var afterTheWait = Assert.ThrowsAsync<ReplayJobBusyException>(() =>
            _store.ClaimReplayJobAsync(job.Id, "run-b", clock.Now + SqlDeadLetterStore.HeartbeatInterval + lockWait, cancellation));

        Assert.Multiple(() =>
        {
            Assert.That(whileWaiting, Is.Not.Null, "a run whose heartbeat waits for the lock is alive: no takeover");
            Assert.That(renewed, Is.True);
            Assert.That(afterTheWait, Is.Not.Null, "the renew stamped the time it got the lock, not the time it began to wait");
        });
    }

    /// <summary>Another process's write transaction on the job: SQLite's write lock, or PostgreSQL's lock on the job's row.</summary>
    private async Task<(System.Data.Common.DbConnection, System.Data.Common.DbTransaction)> HoldJobLockAsync(long jobId)
    {
        var connection = await _throwaway.OpenRawAsync(postgresPooling: false);
        var transaction = await connection.BeginTransactionAsync();
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = kind == StoreKind.Sqlite
            ? $"UPDATE replay_jobs SET selection = selection WHERE id = {jobId}"
            : $"SELECT id FROM replay_jobs WHERE id = {jobId} FOR UPDATE";
        await command.ExecuteNonQueryAsync();
        return (connection, transaction);
    }

    [Test]
    public async Task Should_refuse_a_new_replay_while_an_interrupted_job_has_an_unmarked_window(CancellationToken cancellation)
    {
        await _store.InsertAsync([.. Enumerable.Range(1, 8).Select(i => TestLetters.Make(i))], cancellation);
        var job = await _store.CreateReplayJobAsync(new LetterSelection(), "--all", Operator, cancellation);
        var at = Operator.At;
        // A run published letters 1-4 (its window), had 1-2 confirmed and marked, and was stopped by Ctrl+C: released,
        // still running, its hold gone. Letters 3 and 4 may be in the work queue, and are still dead.
        await _store.ClaimReplayJobAsync(job.Id, "run-a", at, cancellation);
        await _store.BeginReplayWindowAsync(job.Id, "run-a", 4, at, cancellation);
        var marked = await _store.ReadJobLettersAsync(job.Id, 0, 2, cancellation);
        await _store.AdvanceReplayJobAsync(job.Id, "run-a", 2, [.. marked.Select(l => l.Letter.LetterId)], 0, 4, Operator, cancellation);
        await _store.ReleaseReplayJobAsync(job.Id, "run-a", ReplayJobState.Running, at.AddSeconds(1), cancellation);
        var later = new LetterMark(at.AddMinutes(5), "b");

        var byFilter = Assert.ThrowsAsync<ReplayJobInterruptedException>(() => _store.CreateReplayJobAsync(new LetterSelection(), "--all", later, cancellation));
        var byIds = Assert.ThrowsAsync<ReplayJobInterruptedException>(() => _store.CreateReplayJobAsync(["letter-00000003"], "ids", later, cancellation));
        // The same after a failure (a nack, a lost broker) instead of Ctrl+C.
        await _store.ClaimReplayJobAsync(job.Id, "run-b", at.AddMinutes(6), cancellation);
        await _store.ReleaseReplayJobAsync(job.Id, "run-b", ReplayJobState.Failed, at.AddMinutes(6), cancellation);
        var afterFailure = Assert.ThrowsAsync<ReplayJobInterruptedException>(() => _store.CreateReplayJobAsync(new LetterSelection(), "--all", later, cancellation));
        // The operator gives the job up explicitly: a new job may start, and takes the unmarked letters with the rest.
        var abandoned = await _store.AbandonReplayJobAsync(job.Id, at.AddMinutes(7), cancellation);
        var fresh = await _store.CreateReplayJobAsync(new LetterSelection(), "--all", new LetterMark(at.AddMinutes(8), "b"), cancellation);

        Assert.Multiple(() =>
        {
            Assert.That((byFilter!.JobId, byFilter.Unmarked), Is.EqualTo((job.Id, 2L)), "letters 3 and 4: published, not marked");
            Assert.That(byIds!.JobId, Is.EqualTo(job.Id));
            Assert.That(afterFailure!.JobId, Is.EqualTo(job.Id));
            Assert.That(abandoned.State, Is.EqualTo(ReplayJobState.Cancelled));
            Assert.That(fresh.Total, Is.EqualTo(6), "letters 3 to 8");
        });
    }

    [Test]
    public async Task Should_not_abandon_a_job_a_live_run_holds(CancellationToken cancellation)
    {
        await _store.InsertAsync([TestLetters.Make(1)], cancellation);
        var job = await _store.CreateReplayJobAsync(new LetterSelection(), "--all", Operator, cancellation);
        await _store.ClaimReplayJobAsync(job.Id, "run-a", Operator.At, cancellation);

        var refused = Assert.ThrowsAsync<ReplayJobBusyException>(() => _store.AbandonReplayJobAsync(job.Id, Operator.At.AddSeconds(1), cancellation));

        Assert.Multiple(async () =>
        {
            Assert.That(refused!.JobId, Is.EqualTo(job.Id));
            Assert.That((await _store.GetReplayJobAsync(job.Id, cancellation))!.State, Is.EqualTo(ReplayJobState.Running));
        });
    }

    [Test]
    public async Task Should_open_an_existing_store_without_losing_letters(CancellationToken cancellation)
    {
        await _store.InsertAsync([TestLetters.Make(1)], cancellation);

        _store = await _throwaway.ReopenAsync(cancellation);

        Assert.That(await _store.CountAsync(new LetterSelection(), cancellation), Is.EqualTo(1));
    }

    private async Task<long> CountStreamAsync(LetterSelection filter, long? limit, CancellationToken cancellation)
    {
        long count = 0;
        await foreach (var _ in _store.StreamAsync(filter, limit, cancellationToken: cancellation))
            count++;
        return count;
    }

    private async Task<List<string>> AllPagesAsync(LetterOrder order, CancellationToken cancellation)
    {
        var ids = new List<string>();
        long? after = null;
        do
        {
            var page = await _store.PageAsync(new LetterSelection(), after, 10, order, cancellation);
            ids.AddRange(page.Letters.Select(l => l.LetterId));
            after = page.Next;
        }
        while (after is not null);
        return ids;
    }

    [Test]
    public async Task Should_keep_the_audit_log_newest_first_a_page_at_a_time(CancellationToken cancellation)
    {
        var appended = new List<AuditEntry>();
        for (var i = 0; i < 5; i++)
        {
            appended.Add(await _store.AppendAuditAsync(new AuditEntry(0, TestLetters.Start.AddMinutes(i), $"ops{i}", "operator", i % 2 == 0 ? "replay" : "purge",
                $"--group g{i}", i * 10, i % 2 == 0 ? i : null), cancellation));
        }

        var newest = await _store.ListAuditAsync(null, 3, cancellation);
        var older = await _store.ListAuditAsync(newest[^1].Id, 3, cancellation);

        Assert.Multiple(() =>
        {
            Assert.That(appended.Select(e => e.Id), Is.Unique.And.Ordered, "ids in the order of appending");
            Assert.That(newest.Concat(older), Is.EqualTo(Enumerable.Reverse(appended)), "every field kept, newest first, no entry twice or missed");
            Assert.That(older, Has.Count.EqualTo(2));
        });
    }
}
