using System.Diagnostics.Metrics;
using EmailWorker.Configuration;
using EmailWorker.Delivery.Suppression;
using EmailWorker.Diagnostics;
using EmailWorker.Outcomes;
using EmailWorker.Routing;
using EmailWorker.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EmailWorker.Tests;

/// <summary>
/// The handler's side of the suppression list against a store in memory: what a look-up finds (address or domain, any case),
/// which refusals count as hard bounces, and that a failing or hanging store only leaves the check out.
/// </summary>
[TestFixture]
[CancelAfter(20_000)]
internal sealed class SuppressionListTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly ServiceProvider Shared = new ServiceCollection().AddMetrics().BuildServiceProvider();

    [OneTimeTearDown]
    public static void DisposeShared() => Shared.Dispose();

    [Test]
    public async Task Should_find_recipients_listed_by_address_or_domain_in_any_case()
    {
        var store = new MemoryStore();
        store.Entries.Add(new SuppressionEntry("bob@x.test", "global", "hard_bounce", "m-0", Now, "worker"));
        store.Entries.Add(new SuppressionEntry("*@gone.test", "global", "manual", null, Now, "ops"));
        var list = List(store);

        var found = await list.LookUpAsync("m-1", ["ann@x.test", "BOB@x.test", "cy@Gone.Test"], null);

        Assert.Multiple(() =>
        {
            Assert.That(found!.Suppressed, Is.EqualTo(new[]
            {
                new SuppressedRecipient("BOB@x.test", "bob@x.test", "hard_bounce", "global"),
                new SuppressedRecipient("cy@Gone.Test", "*@gone.test", "manual", "global"),
            }));
            Assert.That(found.Remaining, Is.EqualTo(new[] { "ann@x.test" }));
            Assert.That(store.Lookups, Is.EqualTo(1), "one query for the whole message");
        });
    }

    [Test]
    public async Task Should_find_entries_of_the_message_stream_and_global_ones_but_not_another_stream()
    {
        var store = new MemoryStore();
        store.Entries.Add(new SuppressionEntry("ann@x.test", "broadcast", "manual", null, Now, "ops"));
        store.Entries.Add(new SuppressionEntry("*@gone.test", "transactional", "complaint", null, Now, "ops"));
        store.Entries.Add(new SuppressionEntry("bob@x.test", "broadcast", "complaint", null, Now, "ops"));
        store.Entries.Add(new SuppressionEntry("bob@x.test", "global", "hard_bounce", "m-0", Now, "worker"));
        var list = List(store);
        string[] recipients = ["ann@x.test", "bob@x.test", "cy@gone.test"];

        var broadcast = await list.LookUpAsync("m-1", recipients, "broadcast");
        var transactional = await list.LookUpAsync("m-2", recipients, "transactional");
        var none = await list.LookUpAsync("m-3", recipients, null);

        Assert.Multiple(() =>
        {
            Assert.That(broadcast!.Suppressed, Is.EqualTo(new[]
            {
                new SuppressedRecipient("ann@x.test", "ann@x.test", "manual", "broadcast"),
                new SuppressedRecipient("bob@x.test", "bob@x.test", "hard_bounce", "global"),
            }), "a key listed globally and for the stream is reported by its global entry");
            Assert.That(broadcast.Remaining, Is.EqualTo(new[] { "cy@gone.test" }));
            Assert.That(transactional!.Suppressed.Select(s => (s.Address, s.Scope)),
                Is.EqualTo(new[] { ("bob@x.test", "global"), ("cy@gone.test", "transactional") }));
            Assert.That(none!.Suppressed.Select(s => (s.Address, s.Scope)), Is.EqualTo(new[] { ("bob@x.test", "global") }), "no stream: global entries only");
        });
    }

    [Test]
    public async Task Should_add_only_permanent_rcpt_refusals_with_a_hard_bounce_code()
    {
        var store = new MemoryStore();
        var list = List(store);

        await list.AddHardBouncesAsync("m-1",
        [
            new RecipientOutcome("Gone@x.test", Refusal(OutcomeClass.Permanent, "5.1.1", SmtpStage.RcptTo)),
            new RecipientOutcome("policy@x.test", Refusal(OutcomeClass.Permanent, "5.7.1", SmtpStage.RcptTo)),
            new RecipientOutcome("later@x.test", Refusal(OutcomeClass.Transient, "4.2.1", SmtpStage.RcptTo)),
            new RecipientOutcome("data@x.test", Refusal(OutcomeClass.Permanent, "5.1.1", SmtpStage.Data)),
            new RecipientOutcome("ok@x.test", AttemptOutcome.Delivered("250 ok")),
        ]);

        Assert.That(store.Entries.Select(e => (e.Key, e.Scope, e.Reason, e.SourceMessageId, e.CreatedBy)),
            Is.EqualTo(new[] { ("gone@x.test", "global", "hard_bounce", (string?)"m-1", "worker") }));
    }

    [Test]
    public async Task Should_neither_look_nor_add_when_disabled()
    {
        var store = new MemoryStore();
        var list = List(store, new SuppressionOptions { Enabled = false });

        var found = await list.LookUpAsync("m-1", ["bob@x.test"], null);
        await list.AddHardBouncesAsync("m-1", [new RecipientOutcome("bob@x.test", Refusal(OutcomeClass.Permanent, "5.1.1", SmtpStage.RcptTo))]);

        Assert.Multiple(() =>
        {
            Assert.That(found, Is.Null);
            Assert.That(store.Lookups, Is.Zero);
            Assert.That(store.Entries, Is.Empty);
        });
    }

    [Test]
    public async Task Should_add_a_soft_bounce_entry_once_the_count_of_messages_is_reached()
    {
        var store = new MemoryStore();
        var list = List(store, new SuppressionOptions { SoftFailures = new SoftFailureOptions { Count = 2 } });
        RecipientOutcome[] outcomes = [new("Ann@x.test", Refusal(OutcomeClass.Transient, "4.2.2", SmtpStage.RcptTo)), new("bob@x.test", AttemptOutcome.Delivered("250 ok"))];

        await list.CountSoftFailuresAsync("m-1", 0, outcomes, null);
        var afterOne = store.Entries.Count;
        await list.CountSoftFailuresAsync("m-1", 1, outcomes, null);
        var afterRetry = store.Entries.Count;
        await list.CountSoftFailuresAsync("m-2", 0, outcomes, null);

        Assert.Multiple(() =>
        {
            Assert.That((afterOne, afterRetry), Is.EqualTo((0, 0)), "one message, tried twice, is one count");
            Assert.That(store.Entries.Select(e => (e.Key, e.Scope, e.Reason, e.SourceMessageId, e.CreatedBy)),
                Is.EqualTo(new[] { ("ann@x.test", "global", "soft_bounce", (string?)"m-2", "worker") }));
            Assert.That(store.Cleared, Is.Empty, "bob's delivery writes nothing: the look-up found no count for him");
        });
    }

    [Test]
    public async Task Should_clear_a_count_the_look_up_found_when_the_address_is_delivered_to()
    {
        var store = new MemoryStore();
        store.SoftFailures["ann@x.test"] = 1;
        var list = List(store);

        var found = await list.LookUpAsync("m-1", ["Ann@x.test", "bob@x.test"], null);
        await list.CountSoftFailuresAsync("m-1", 0, [new("Ann@x.test", AttemptOutcome.Delivered("250 ok")), new("bob@x.test", AttemptOutcome.Delivered("250 ok"))], found);

        Assert.Multiple(() =>
        {
            Assert.That(found!.Suppressed, Is.Empty);
            Assert.That(found.Remaining, Is.EqualTo(new[] { "Ann@x.test", "bob@x.test" }));
            Assert.That(store.Cleared, Is.EqualTo(new[] { "ann@x.test" }));
            Assert.That(store.SoftFailures, Is.Empty);
        });
    }

    [Test]
    public async Task Should_neither_count_nor_look_for_counts_when_soft_failures_are_off()
    {
        var store = new MemoryStore();
        store.SoftFailures["ann@x.test"] = 1;
        var list = List(store, new SuppressionOptions { SoftFailures = new SoftFailureOptions { Count = 0 } });

        var found = await list.LookUpAsync("m-1", ["ann@x.test"], null);
        await list.CountSoftFailuresAsync("m-1", 0, [new("bob@x.test", Refusal(OutcomeClass.Transient, "4.2.2", SmtpStage.RcptTo))], found);

        Assert.Multiple(() =>
        {
            Assert.That(found, Is.Null);
            Assert.That(store.SoftFailures, Is.EqualTo(new Dictionary<string, int> { ["ann@x.test"] = 1 }));
        });
    }

    [Test]
    public void Should_refuse_soft_failure_settings_out_of_range()
    {
        var validator = new SuppressionOptionsValidator();
        static SuppressionOptions With(SoftFailureOptions soft) => new() { SoftFailures = soft };

        Assert.Multiple(() =>
        {
            Assert.That(validator.Validate(null, With(new SoftFailureOptions { Count = 0 })).Succeeded, Is.True);
            Assert.That(validator.Validate(null, With(new SoftFailureOptions { Count = -1 })).Failed, Is.True);
            Assert.That(validator.Validate(null, With(new SoftFailureOptions { Window = "30s" })).Failed, Is.True);
            Assert.That(validator.Validate(null, With(new SoftFailureOptions { Window = "a week" })).Failed, Is.True);
            Assert.That(validator.Validate(null, With(new SoftFailureOptions { Codes = ["452"] })).Failed, Is.True);
        });
    }

    [Test]
    public async Task Should_answer_from_the_filter_only_while_it_is_current()
    {
        var store = new MemoryStore();
        store.Entries.Add(new SuppressionEntry("bob@x.test", "global", "hard_bounce", "m-0", Now, "worker"));
        var clock = new StepClock();
        var settings = Options.Create(new SuppressionOptions());
        var filter = new SuppressionFilter(store, settings, clock, NullLogger<SuppressionFilter>.Instance);
        var metrics = new WorkerMetrics(Shared.GetRequiredService<IMeterFactory>(), new TopologyNames("suppression-test", []));
        var list = new SuppressionList(store, filter, settings, clock, metrics, NullLogger<SuppressionList>.Instance);

        await list.LookUpAsync("m-1", ["ann@x.test"], null);
        var beforeLoad = store.Lookups;
        await filter.RefreshAsync(CancellationToken.None);
        var annAfterLoad = await list.LookUpAsync("m-2", ["ann@x.test"], null);
        var bobAfterLoad = await list.LookUpAsync("m-3", ["Bob@x.test"], null);
        var afterLoad = store.Lookups;
        // Another process lists cy: the filter learns it at its next refresh; until then it is current and answers "no".
        store.Entries.Add(new SuppressionEntry("cy@x.test", "global", "manual", null, Now, "ops"));
        var cyBeforeRefresh = filter.MayHold(["cy@x.test"]);
        await filter.RefreshAsync(CancellationToken.None);
        var cyAfterRefresh = filter.MayHold(["cy@x.test"]);
        filter.Added(["dan@x.test"]);
        var danAdded = filter.MayHold(["dan@x.test"]);
        clock.Advance(TimeSpan.FromSeconds(2.5));
        var staleAnn = filter.MayHold(["ann@x.test"]);

        Assert.Multiple(() =>
        {
            Assert.That(beforeLoad, Is.EqualTo(1), "not loaded yet: asked the database");
            Assert.That(annAfterLoad, Is.Null);
            Assert.That(bobAfterLoad!.Suppressed.Select(r => r.Key), Is.EqualTo(new[] { "bob@x.test" }));
            Assert.That(afterLoad, Is.EqualTo(2), "ann was answered by the filter, bob by the database");
            Assert.That((cyBeforeRefresh, cyAfterRefresh), Is.EqualTo((false, true)));
            Assert.That(danAdded, Is.True, "the worker's own additions go in at once");
            Assert.That(staleAnn, Is.True, "not refreshed for longer than twice the interval: every key goes to the database");
        });
    }

    [Test]
    public void Should_never_say_no_to_a_key_the_bloom_filter_holds()
    {
        var filter = new KeyBloomFilter(10_000);
        var keys = Enumerable.Range(0, 10_000).Select(i => $"s{i:D7}@list.test").ToList();
        foreach (var key in keys)
            filter.Add(key);

        var wrong = Enumerable.Range(0, 10_000).Count(i => filter.MayContain($"r{i:D7}@other.test"));

        Assert.Multiple(() =>
        {
            Assert.That(keys.All(filter.MayContain), Is.True);
            Assert.That(wrong, Is.LessThan(300), "about 1 % wrong at its capacity");
        });
    }

    [Test]
    public void Should_refuse_hard_bounce_codes_that_are_not_permanent_enhanced_codes()
    {
        var validator = new SuppressionOptionsValidator();

        Assert.Multiple(() =>
        {
            Assert.That(validator.Validate(null, new SuppressionOptions()).Succeeded, Is.True);
            Assert.That(validator.Validate(null, new SuppressionOptions { HardBounceCodes = ["5.1.1", "4.2.2"] }).Failed, Is.True);
            Assert.That(validator.Validate(null, new SuppressionOptions { HardBounceCodes = ["550"] }).Failed, Is.True);
        });
    }

    [Test]
    public async Task Should_go_on_without_the_check_when_the_store_fails_or_hangs()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var failures = new MetricCollector(services, "emailworker.suppression.failures");
        var failing = List(new MemoryStore { Fail = true }, services: services);
        var hanging = List(new MemoryStore { Hang = true }, services: services);

        var afterFailure = await failing.LookUpAsync("m-1", ["bob@x.test"], null);
        var afterHang = await hanging.LookUpAsync("m-1", ["bob@x.test"], null);
        await failing.AddHardBouncesAsync("m-1", [new RecipientOutcome("bob@x.test", Refusal(OutcomeClass.Permanent, "5.1.1", SmtpStage.RcptTo))]);

        Assert.Multiple(() =>
        {
            Assert.That(afterFailure, Is.Null, "nobody taken out: every recipient is sent to");
            Assert.That(afterHang, Is.Null, "given up after the look-up's timeout");
            Assert.That(failures.Operations, Is.EqualTo(new[] { "look", "look", "add" }));
        });
    }

    [Test]
    public async Task Should_time_each_look_up_that_answers()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        var timings = new List<double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (i.Name == "emailworker.suppression.lookup.duration" && i.Meter.Scope == factory)
                l.EnableMeasurementEvents(i);
        };
        listener.SetMeasurementEventCallback<double>((_, seconds, _, _) =>
        {
            lock (timings)
                timings.Add(seconds);
        });
        listener.Start();
        var store = new MemoryStore();
        store.Entries.Add(new SuppressionEntry("bob@x.test", "global", "hard_bounce", "m-0", Now, "worker"));

        await List(store, services: services).LookUpAsync("m-1", ["ann@x.test"], null);
        await List(store, services: services).LookUpAsync("m-2", ["bob@x.test"], null);
        await List(new MemoryStore { Fail = true }, services: services).LookUpAsync("m-3", ["bob@x.test"], null);

        lock (timings)
            Assert.That(timings, Has.Count.EqualTo(2).And.All.GreaterThanOrEqualTo(0), "one per answered look-up, found or not; none for a failed one");
    }

    private static AttemptOutcome Refusal(OutcomeClass outcomeClass, string enhancedCode, SmtpStage stage) =>
        new(outcomeClass, $"{enhancedCode} refused", outcomeClass == OutcomeClass.Permanent ? 550 : 450, enhancedCode, Stage: stage);

    private static SuppressionList List(MemoryStore store, SuppressionOptions? options = null, ServiceProvider? services = null)
    {
        var provider = services ?? Shared;
        var metrics = new WorkerMetrics(provider.GetRequiredService<IMeterFactory>(), new TopologyNames("suppression-test", []));
        var settings = Options.Create(options ?? new SuppressionOptions());
        return new SuppressionList(store, new SuppressionFilter(store, settings, TimeProvider.System, NullLogger<SuppressionFilter>.Instance), settings,
            TimeProvider.System, metrics, NullLogger<SuppressionList>.Instance);
    }

    private sealed class MetricCollector : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly List<string> _operations = [];

        public MetricCollector(IServiceProvider services, string instrument)
        {
            var factory = services.GetRequiredService<IMeterFactory>();
            _listener.InstrumentPublished = (i, l) =>
            {
                if (i.Name == instrument && i.Meter.Scope == factory)
                    l.EnableMeasurementEvents(i);
            };
            _listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
            {
                foreach (var tag in tags)
                    if (tag.Key == Telemetry.SuppressionOperation)
                        lock (_operations)
                            _operations.Add((string)tag.Value!);
            });
            _listener.Start();
        }

        public IReadOnlyList<string> Operations
        {
            get
            {
                lock (_operations)
                    return [.. _operations];
            }
        }

        public void Dispose() => _listener.Dispose();
    }

    private sealed class MemoryStore : ISuppressionStore, ISuppressionStoreSource
    {
        public List<SuppressionEntry> Entries { get; } = [];
        public Dictionary<string, int> SoftFailures { get; } = new(StringComparer.Ordinal);
        public List<string> Cleared { get; } = [];
        public int Lookups { get; private set; }
        public bool Fail { get; init; }
        public bool Hang { get; init; }
        public string Description => "memory";

        public async Task<ISuppressionStore> GetAsync(CancellationToken cancellationToken)
        {
            if (Hang)
                await Task.Delay(Timeout.Infinite, cancellationToken);
            return Fail ? throw new InvalidOperationException("database is down") : this;
        }

        public Task<SuppressionLookup> FindSuppressionsAsync(IReadOnlyCollection<string> keys, IReadOnlyCollection<string> scopes, bool withSoftFailures,
            CancellationToken cancellationToken)
        {
            Lookups++;
            return Task.FromResult(new SuppressionLookup([.. Entries.Where(e => keys.Contains(e.Key) && scopes.Contains(e.Scope))],
                withSoftFailures ? [.. SoftFailures.Keys.Where(keys.Contains)] : []));
        }

        public Task<IReadOnlyList<string>> CountSoftFailuresAsync(IReadOnlyCollection<string> addresses, string messageId, SoftFailureCount count, string actor,
            CancellationToken cancellationToken)
        {
            var added = new List<string>();
            foreach (var address in addresses)
            {
                var failures = SoftFailures.GetValueOrDefault(address) + 1;
                SoftFailures[address] = failures;
                if (failures < count.Threshold)
                    continue;
                SoftFailures.Remove(address);
                Entries.Add(new SuppressionEntry(address, "global", SuppressionReasons.SoftBounce, messageId, count.Now, actor));
                added.Add(address);
            }
            return Task.FromResult<IReadOnlyList<string>>(added);
        }

        public Task ClearSoftFailuresAsync(IReadOnlyCollection<string> addresses, CancellationToken cancellationToken)
        {
            foreach (var address in addresses)
                SoftFailures.Remove(address);
            Cleared.AddRange(addresses);
            return Task.CompletedTask;
        }

        public Task<int> DeleteSoftFailuresAsync(DateTimeOffset windowStart, CancellationToken cancellationToken) => Task.FromResult(0);

        /// <summary>An entry's generation is its position in <see cref="Entries"/> (1 on); the counts are all of generation 0.</summary>
        public Task<long> ReadKeysSinceAsync(long generation, Action<string> key, CancellationToken cancellationToken)
        {
            foreach (var entry in Entries.Skip((int)Math.Max(generation, 0)))
                key(entry.Key);
            foreach (var address in SoftFailures.Keys.Where(_ => generation < 0))
                key(address);
            return Task.FromResult(Math.Max(generation, Entries.Count));
        }

        public Task<long> CountKeysAsync(CancellationToken cancellationToken) => Task.FromResult((long)(Entries.Count + SoftFailures.Count));

        public Task<int> AddSuppressionsAsync(IReadOnlyCollection<SuppressionEntry> entries, CancellationToken cancellationToken)
        {
            var added = entries.Where(e => !Entries.Exists(x => x.Key == e.Key && x.Scope == e.Scope)).ToList();
            Entries.AddRange(added);
            return Task.FromResult(added.Count);
        }

        public Task<bool> RemoveSuppressionAsync(string key, string scope, CancellationToken cancellationToken) =>
            Task.FromResult(Entries.RemoveAll(e => e.Key == key && e.Scope == scope) > 0);

        public Task<IReadOnlyList<SuppressionEntry>> ListSuppressionsAsync(string? prefix, string? afterKey, string? afterScope, int limit, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<SuppressionEntry>>(Entries);
    }

    /// <summary>A clock whose timestamps the test moves (the filter's age is measured in timestamps).</summary>
    private sealed class StepClock : TimeProvider
    {
        private long _ticks = TimeSpan.TicksPerDay;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
