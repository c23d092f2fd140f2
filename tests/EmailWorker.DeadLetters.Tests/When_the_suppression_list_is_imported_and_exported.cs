using System.Text;
using EmailWorker.Cli.Suppress;
using EmailWorker.DeadLetters.Store;
using EmailWorker.Delivery.Suppression;

namespace EmailWorker.DeadLetters.Tests;

/// <summary>
/// <c>suppress export</c> and <c>import</c> against SQLite and a real PostgreSQL cluster: a list exported as CSV or JSON and
/// imported into an empty store is the same list (more entries than a page and a batch, quotes and commas in fields);
/// an import of a file with any wrong entry writes nothing and names the lines; an entry listed already is left as it was.
/// </summary>
[TestFixture(StoreKind.Sqlite)]
[TestFixture(StoreKind.Postgres)]
[CancelAfter(180_000)]
public sealed class When_the_suppression_list_is_imported_and_exported(StoreKind kind)
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly List<ThrowawayStore> _throwaways = [];

    [TearDown]
    public async Task CloseAsync()
    {
        foreach (var throwaway in _throwaways)
            await throwaway.CleanUpAsync();
        // One fixture object runs every test: each test starts with no store.
        _throwaways.Clear();
    }

    [TestCase("csv")]
    [TestCase("json")]
    public async Task Should_import_into_an_empty_store_what_was_exported(string formatName, CancellationToken cancellation)
    {
        var format = SuppressionFileFormats.Of(formatName, null);
        var source = await OpenStoreAsync(cancellation);
        // More than a page of the export and a batch of the import; odd fields that must survive CSV quoting.
        var entries = Enumerable.Range(0, 2_345).Select(i => new SuppressionEntry($"r{i:D5}@x.test", SuppressionReasons.Global,
            SuppressionReasons.All[i % 3], i % 2 == 0 ? $"m-{i}" : null, Now.AddMinutes(-i), "worker")).ToList();
        entries.Add(new SuppressionEntry("*@gone.test", SuppressionReasons.Global, SuppressionReasons.Manual, null, Now, "ops, \"night\" shift"));
        entries.Add(new SuppressionEntry("o'brien+tag@x.test", SuppressionReasons.Global, SuppressionReasons.Complaint, null, Now, " Ann "));
        // A key listed for two streams beside its global entry: the scope column travels with each row.
        entries.Add(new SuppressionEntry("o'brien+tag@x.test", "broadcast", SuppressionReasons.Manual, null, Now, "ops"));
        entries.Add(new SuppressionEntry("*@gone.test", "news.v2_eu-1", SuppressionReasons.Complaint, null, Now, "ops"));
        foreach (var chunk in entries.Chunk(500))
            await source.AddSuppressionsAsync(chunk, cancellation);

        using var file = new MemoryStream();
        var exported = await SuppressionExport.WriteAsync(source, file, format, cancellation);
        var target = await OpenStoreAsync(cancellation);
        var result = await SuppressionImport.RunAsync(target, () => new MemoryStream(file.ToArray()), format, Now.AddDays(1), "importer", cancellation);
        var again = await SuppressionImport.RunAsync(target, () => new MemoryStream(file.ToArray()), format, Now.AddDays(1), "importer", cancellation);

        var expected = entries.Select(e => e with { CreatedBy = e.CreatedBy.Trim() }).ToList();
        var imported = await AllAsync(target, cancellation);
        Assert.Multiple(() =>
        {
            Assert.That(exported, Is.EqualTo(entries.Count));
            Assert.That((result.Imported, result.Rows, result.Added), Is.EqualTo((true, (long)entries.Count, (long)entries.Count)), string.Join("\n", result.Problems));
            Assert.That((again.Rows, again.Added), Is.EqualTo(((long)entries.Count, 0L)), "a second import finds every entry listed");
            Assert.That(imported, Is.EquivalentTo(expected), "the same entries, fields and times (to the millisecond)");
        });
    }

    [Test]
    public async Task Should_import_nothing_from_a_csv_file_with_wrong_lines_and_name_them(CancellationToken cancellation)
    {
        var store = await OpenStoreAsync(cancellation);
        var csv = string.Join("\n",
            "address,reason,createdBy",
            "ann@x.test,manual,ops",
            "Ann <ann@x.test>,manual,ops",
            "bob@x.test,dislike,ops",
            "",
            "\"cy@x.test,manual,ops",
            "dan@x.test,manual",
            "eve@x.test,manual," + new string('o', SuppressionCsv.MaxLineLength),
            "*@nodots,manual,ops",
            "fay@x.test,hard_bounce,\"a \"\"quoted\"\" name\"",
            "gus@x.test,manual,ops\u001b[31m") + "\n";

        var result = await SuppressionImport.RunAsync(store, () => new MemoryStream(Encoding.UTF8.GetBytes(csv)), SuppressionFileFormat.Csv, Now, "importer", cancellation);

        Assert.Multiple(async () =>
        {
            Assert.That(result.Imported, Is.False);
            Assert.That(result.ProblemCount, Is.EqualTo(7));
            Assert.That(result.Problems.Select(p => p.Split(':')[0]), Is.EqualTo(new[] { "line 3", "line 4", "line 6", "line 7", "line 8", "line 9", "line 11" }));
            Assert.That(result.Problems[0], Does.Contain("is not a mail address"));
            Assert.That(result.Problems[1], Does.Contain("reason 'dislike'"));
            Assert.That(result.Problems[2], Does.Contain("not closed"));
            Assert.That(result.Problems[3], Does.Contain("2 fields where the header names 3"));
            Assert.That(result.Problems[4], Does.Contain($"longer than {SuppressionCsv.MaxLineLength}"));
            Assert.That(result.Problems[6], Does.Contain("control character").And.Not.Contain("\u001b"));
            Assert.That(await AllAsync(store, cancellation), Is.Empty, "the good lines 2 and 10 were not imported either");
        });
    }

    [TestCase("reason,createdBy\nmanual,ops\n", "no address column")]
    [TestCase("address,reason,colour\nann@x.test,manual,red\n", "'colour' is not a column")]
    [TestCase("", "no header line")]
    public async Task Should_refuse_a_csv_file_without_a_good_header(string csv, string problem, CancellationToken cancellation)
    {
        var store = await OpenStoreAsync(cancellation);

        var result = await SuppressionImport.RunAsync(store, () => new MemoryStream(Encoding.UTF8.GetBytes(csv)), SuppressionFileFormat.Csv, Now, "importer", cancellation);

        Assert.Multiple(async () =>
        {
            Assert.That(result.Imported, Is.False);
            Assert.That(result.Problems.Single(), Does.StartWith("line 1: ").And.Contain(problem));
            Assert.That(await AllAsync(store, cancellation), Is.Empty);
        });
    }

    [TestCase("[{\"address\":\"ann@x.test\"},\n{\"address\":\"bob@x.test\",\"reason\":3}]", "line 2: 'reason' is not a string")]
    [TestCase("[{\"address\":\"ann@x.test\"},\n{\"address\":\"bob@x.test\",", "line 2: not JSON")]
    [TestCase("", "line 1: not JSON")]
    [TestCase("[{\"address\":\"ann@x.test\"},\n\n{\"address\":\"bob@x.test\",\"colour\":\"red\"}]", "line 3: a field is not one of")]
    [TestCase("{\"address\":\"ann@x.test\"}", "line 1: the file is not a JSON array")]
    [TestCase("[{\"address\":\"ann@x.test\"},\n{\"address\":\"Ann <ann@x.test>\"}]", "line 2: 'Ann <ann@x.test>' is not a mail address")]
    [TestCase("[{\"address\":\"ann@x.test\"},\n nonsense]", "line 2: not JSON")]
    public async Task Should_import_nothing_from_a_wrong_json_file(string json, string problem, CancellationToken cancellation)
    {
        var store = await OpenStoreAsync(cancellation);

        var result = await SuppressionImport.RunAsync(store, () => new MemoryStream(Encoding.UTF8.GetBytes(json)), SuppressionFileFormat.Json, Now, "importer", cancellation);

        Assert.Multiple(async () =>
        {
            Assert.That(result.Imported, Is.False);
            Assert.That(result.Problems.Single(), Does.StartWith(problem));
            Assert.That(await AllAsync(store, cancellation), Is.Empty);
        });
    }

    [Test]
    public async Task Should_refuse_a_json_entry_larger_than_its_bound(CancellationToken cancellation)
    {
        var store = await OpenStoreAsync(cancellation);
        var json = "[{\"address\":\"ann@x.test\"},{\"address\":\"" + new string('a', SuppressionJson.MaxEntryBytes) + "@x.test\"}]";

        var result = await SuppressionImport.RunAsync(store, () => new MemoryStream(Encoding.UTF8.GetBytes(json)), SuppressionFileFormat.Json, Now, "importer", cancellation);

        Assert.That(result.Problems.Single(), Does.Contain($"longer than {SuppressionJson.MaxEntryBytes} bytes"));
    }

    [Test]
    public async Task Should_leave_a_listed_entry_as_it_was_and_fill_in_what_a_row_leaves_out(CancellationToken cancellation)
    {
        var store = await OpenStoreAsync(cancellation);
        await store.AddSuppressionsAsync([new SuppressionEntry("bob@x.test", SuppressionReasons.Global, SuppressionReasons.HardBounce, "m-1", Now.AddDays(-3), "worker")], cancellation);
        const string csv = "address\nBob@X.test\nann@x.test\n";

        var result = await SuppressionImport.RunAsync(store, () => new MemoryStream(Encoding.UTF8.GetBytes(csv)), SuppressionFileFormat.Csv, Now, "importer", cancellation);

        Assert.Multiple(async () =>
        {
            Assert.That((result.Rows, result.Added), Is.EqualTo((2L, 1L)));
            Assert.That(await AllAsync(store, cancellation), Is.EqualTo(new[]
            {
                new SuppressionEntry("ann@x.test", SuppressionReasons.Global, SuppressionReasons.Manual, null, Now, "importer"),
                new SuppressionEntry("bob@x.test", SuppressionReasons.Global, SuppressionReasons.HardBounce, "m-1", Now.AddDays(-3), "worker"),
            }));
        });
    }

    [Test]
    public async Task Should_import_entries_of_a_stream_and_refuse_a_scope_that_is_not_a_stream_name(CancellationToken cancellation)
    {
        var store = await OpenStoreAsync(cancellation);
        const string good = "address,scope\nann@x.test,broadcast\nann@x.test,global\nbob@x.test,\n";
        const string bad = "address,scope\ncy@x.test,Broadcast\ndan@x.test,transactional\n";

        var refused = await SuppressionImport.RunAsync(store, () => new MemoryStream(Encoding.UTF8.GetBytes(bad)), SuppressionFileFormat.Csv, Now, "importer", cancellation);
        var imported = await SuppressionImport.RunAsync(store, () => new MemoryStream(Encoding.UTF8.GetBytes(good)), SuppressionFileFormat.Csv, Now, "importer", cancellation);

        Assert.Multiple(async () =>
        {
            Assert.That(refused.Imported, Is.False, "all or nothing: dan's good line was not imported either");
            Assert.That(refused.Problems.Single(), Does.StartWith("line 2:").And.Contain("scope 'Broadcast'"), "stream names are lower case");
            Assert.That((imported.Rows, imported.Added), Is.EqualTo((3L, 3L)));
            Assert.That((await AllAsync(store, cancellation)).Select(e => (e.Key, e.Scope)), Is.EqualTo(new[]
            {
                ("ann@x.test", "broadcast"), ("ann@x.test", "global"), ("bob@x.test", "global"),
            }), "nothing of the refused file; an empty scope is global");
        });
    }

    private static async Task<List<SuppressionEntry>> AllAsync(ISuppressionStore store, CancellationToken cancellation)
    {
        var all = new List<SuppressionEntry>();
        await foreach (var entry in SuppressionPages.AllAsync(store, cancellation))
            all.Add(entry);
        return all;
    }

    /// <summary>Each a new empty store, in a directory or database of its own.</summary>
    private Task<SqlDeadLetterStore> OpenStoreAsync(CancellationToken cancellation)
    {
        var throwaway = new ThrowawayStore(kind, "suppress-io");
        _throwaways.Add(throwaway);
        return throwaway.OpenAsync(cancellation);
    }
}
