using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace EmailWorker.Benchmarks;

/// <summary>
/// The figures of one benchmark run, the ratios between them and the targets they are held to (goals of the benchmark
/// issue, not assertions). The headline of a ratio, and what its target is held to, is the ratio of the two medians;
/// beside it the median of the per-run-pair ratios (the worker's run N over the peer's run N, measured minutes apart,
/// in alternating order) with their min–max, which shows how much the pairs spread.
/// </summary>
internal sealed class Table(Stopwatch clock)
{
    private static readonly Ratio[] Ratios =
    [
        new("end to end ÷ tuned MassTransit, loopback", "EmailWorker end to end", "tuned MassTransit:", "≥ 1.3", m => m >= 1.3),
        new("remote: end to end ÷ tuned MassTransit, 128 connections each", "remote relay: EmailWorker end to end, pool 128", "remote relay: tuned MassTransit, pool 128", "≥ 1.5", m => m >= 1.5),
        new("remote: end to end ÷ tuned MassTransit, 4 connections each", "remote relay: EmailWorker end to end, pool 4", "remote relay: tuned MassTransit, pool 4", "≥ 2.5", m => m >= 2.5),
        new("remote: end to end ÷ Postfix", "remote relay: EmailWorker end to end, pool 128", "remote relay: Postfix"),
        new("end to end ÷ Postfix, loopback", "EmailWorker end to end", "Postfix:", "≥ 5", m => m >= 5),
        new("worker CPU per message ÷ MailKit's", "EmailWorker CPU per message", "SMTP ceiling: MailKit CPU", "≤ 1.5", m => m <= 1.5),
        new("worker CPU per message ÷ tuned MassTransit's", "EmailWorker CPU per message", "tuned MassTransit CPU"),
        new("metrics + traces on ÷ off (1 − observability cost)", "EmailWorker, metrics scraped", "EmailWorker, metrics and tracing off", "≥ 0.95", m => m >= 0.95),
        new("shipped (ledger on) ÷ ledger off (1 − ledger cost)", "EmailWorker end to end", "EmailWorker, delivered ledger off", "≥ 0.95", m => m >= 0.95),
        new("CPU per message: shipped (ledger on) ÷ ledger off", "EmailWorker CPU per message", "EmailWorker CPU per message, ledger off"),
        new("as shipped (adaptive, 256 handlers): ledger on ÷ off", "EmailWorker as shipped (appsettings.json), ledger on", "EmailWorker as shipped (appsettings.json), ledger off", "≥ 0.95", m => m >= 0.95),
        new("as shipped: CPU per message, ledger on ÷ off", "EmailWorker as shipped (appsettings.json), CPU per message, ledger on", "EmailWorker as shipped (appsettings.json), CPU per message, ledger off"),
        new("remote relay, as shipped: ledger on ÷ off", "remote relay: EmailWorker as shipped, ledger on", "remote relay: EmailWorker as shipped, ledger off"),
        new("remote relay, pool 4: ledger on ÷ off", "remote relay: EmailWorker pool 4, concurrency 4, ledger on", "remote relay: EmailWorker pool 4, concurrency 4, ledger off"),
        new("shipped (suppression list on) ÷ list off", "EmailWorker end to end", "EmailWorker, suppression list off"),
        new("CPU per message: shipped (suppression list on) ÷ list off", "EmailWorker CPU per message", "EmailWorker CPU per message, suppression list off"),
        new("tiered compilation on ÷ shipped (off)", "EmailWorker, tiered compilation on", "EmailWorker end to end"),
        new("workstation GC ÷ shipped (server GC, DATAS)", "EmailWorker, workstation GC", "EmailWorker end to end"),
        new("shipped (Information) ÷ logging at Warning", "EmailWorker end to end", "EmailWorker, logging at Warning"),
        new("CPU per message: metrics + traces on ÷ off", "EmailWorker CPU per message, metrics scraped", "EmailWorker CPU per message, metrics and tracing off"),
        new("shipped (metrics on) ÷ metrics and tracing off", "EmailWorker end to end", "EmailWorker, metrics and tracing off"),
        new("end to end ÷ SMTP ceiling (MailKit alone)", "EmailWorker end to end", "SMTP ceiling: MailKit,"),
        new("end to end ÷ naive MassTransit, loopback", "EmailWorker end to end", "naive MassTransit:"),
        new("remote: end to end ÷ naive, equal concurrency", "remote relay: EmailWorker end to end, pool 128", "remote relay: naive MassTransit, concurrency"),
        new("remote: end to end ÷ naive at its default concurrency", "remote relay: EmailWorker end to end, pool 128", "remote relay: naive MassTransit at its default"),
        new("remote: end to end ÷ MailKit over the same connections", "remote relay: EmailWorker end to end, pool 128", "remote relay ("),
        new("retry path ÷ end to end", "retry path", "EmailWorker end to end"),
        new("suppression list full ÷ empty (1 − look-up cost)", "EmailWorker, suppression list of", "EmailWorker, suppression list empty", "≥ 0.98", m => m >= 0.98),
        new("remote: as shipped ÷ the best fixed setting of a sweep", "remote relay sweep: EmailWorker as shipped", "remote relay sweep: best fixed setting", "≥ 0.9", m => m >= 0.9),
        new("remote: adaptive under the sweep's ceiling ÷ its best fixed setting", "remote relay sweep: EmailWorker adaptive, ceiling", "remote relay sweep: best fixed setting"),
    ];

    private static readonly Limit[] Limits =
    [
        new("publish→250 latency p99 at half load", "≤ 25 ms", m => m <= 25),
        new("EmailWorker peak RSS while draining", "≤ 120 MiB", m => m <= 120),
        new("suppression look-up ÷ a message's handling time, suppression list of", "≤ 2 %", m => m <= 2),
        new("throttling relay: EmailWorker drain ÷ R", "≥ 0.9", m => m >= 0.9),
        new("throttling relay: EmailWorker refusals ÷ messages", "≤ 0.05", m => m <= 0.05),
        new("throttling relay: EmailWorker dead letters", "0", m => m == 0),
        new("limit halved and restored: EmailWorker throughput ÷ allowed", "≥ 0.85", m => m >= 0.85),
        new("limit halved and restored: EmailWorker dead letters", "0", m => m == 0),
    ];

    // The names hold → ÷ ≥: kept readable in the JSON line (it is printed, not embedded in HTML).
    private static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly List<Figure> _figures = [];

    public void Record(string name, string unit, double value)
    {
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name}: {value:0.00} {unit} (at {clock.Elapsed.TotalSeconds:0} s)"));
        if (_figures.Find(f => f.Name == name) is not { } figure)
            _figures.Add(figure = new Figure(name, unit, new List<double>()));
        ((List<double>)figure.Runs).Add(value);
    }

    public void Print(int runs, int messages, int warmUp, string? postfixMissing)
    {
        Console.WriteLine($"EmailWorker benchmarks — {Environment.ProcessorCount} cores, {runs} runs each, {messages} messages after {warmUp} warm-up, " +
            $"median (min–max), {clock.Elapsed.TotalMinutes:0.0} min");
        foreach (var figure in _figures)
            Console.WriteLine(figure);
        if (postfixMissing is not null)
            Console.WriteLine($"Postfix left out: {postfixMissing}");
        var ratios = Ratios.Select(r => (Ratio: r, Runs: PerRun(r))).Where(r => r.Runs.Count > 0)
            .Select(r => (r.Ratio, OfMedians: Find(r.Ratio.Numerator)!.Median / Find(r.Ratio.Denominator)!.Median, Figure: new Figure(r.Ratio.Name, "", r.Runs))).ToList();
        foreach (var (ratio, ofMedians, figure) in ratios)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ratio {ratio.Name,-58} {ofMedians,7:0.00}   per pair {figure.Median:0.00} ({figure.Runs.Min():0.00}–{figure.Runs.Max():0.00}){Verdict(ratio.Target, ratio.Met, ofMedians)}"));
        var limits = Limits.Select(l => (Limit: l, Figure: Find(l.Figure))).Where(l => l.Figure is not null).ToList();
        foreach (var (limit, figure) in limits)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"target {limit.Figure,-57} {figure!.Median,7:0.00}{Verdict(limit.Target, limit.Met, figure.Median)}"));
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            cores = Environment.ProcessorCount,
            runs,
            messages,
            warmUp,
            postfix = postfixMissing ?? "measured",
            figures = _figures.ToDictionary(f => f.Name, f => new { median = Math.Round(f.Median, 2), min = Math.Round(f.Runs.Min(), 2), max = Math.Round(f.Runs.Max(), 2), unit = f.Unit }),
            ratios = ratios.ToDictionary(r => r.Ratio.Name, r => new
            {
                ofMedians = Math.Round(r.OfMedians, 3),
                perPairMedian = Math.Round(r.Figure.Median, 3),
                perPairMin = Math.Round(r.Figure.Runs.Min(), 3),
                perPairMax = Math.Round(r.Figure.Runs.Max(), 3),
                target = r.Ratio.Target,
                met = r.Ratio.Met?.Invoke(r.OfMedians),
            }),
            targets = limits.ToDictionary(l => l.Limit.Figure, l => new { median = Math.Round(l.Figure!.Median, 2), target = l.Limit.Target, met = l.Limit.Met(l.Figure.Median) }),
        }, Json));
    }

    private static string Verdict(string? target, Func<double, bool>? met, double median) =>
        target is null || met is null ? "" : $"   target {target}: {(met(median) ? "met" : "MISSED")}";

    /// <summary>The figure of that exact name, else the first whose name starts so (names that carry sizes or counts).</summary>
    private Figure? Find(string name) =>
        _figures.Find(f => f.Name == name) ?? _figures.Find(f => f.Name.StartsWith(name, StringComparison.Ordinal));

    /// <summary>Numerator ÷ denominator for each run both were measured in.</summary>
    private List<double> PerRun(Ratio ratio)
    {
        if (Find(ratio.Numerator) is not { } numerator || Find(ratio.Denominator) is not { } denominator)
            return [];
        return [.. numerator.Runs.Zip(denominator.Runs, (n, d) => n / d).Where(double.IsFinite)];
    }

    private sealed record Ratio(string Name, string Numerator, string Denominator, string? Target = null, Func<double, bool>? Met = null);

    private sealed record Limit(string Figure, string Target, Func<double, bool> Met);
}
