using System.Globalization;
using EmailWorker.DeadLetters.Store;
using EmailWorker.Broker;
using EmailWorker.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace EmailWorker.Dashboard;

/// <summary>
/// The overview: every queue's depth (as <c>emailworker status</c>), the worker's rates and breaker, the store's size and
/// largest groups; each relay's limits and last reasons (the worker's <c>/relays</c>), and charts of the last hour; it
/// reloads itself every 10 s, as often as the worker is sampled.
/// </summary>
internal static class OverviewPage
{
    public static async Task<IResult> RenderAsync(HttpContext http, IDeadLetterStore store, WorkerMetricsWatch metrics, OperatorContext operatorContext,
        TimeProvider time)
    {
        var token = http.RequestAborted;
        var dead = await store.CountAsync(new LetterSelection(), token);
        var groups = await store.GroupsAsync(new LetterSelection(), 5, token);
        var jobs = await store.ListReplayJobsAsync(3, token);
        var queues = await QueuesAsync(operatorContext, token);
        return Page.Render(http, "Overview", Html.Of($"""
            <h2>Queues</h2>{queues}
            <h2>Worker</h2>{Worker(metrics.Latest)}
            <h2 id="relays">Relays</h2>{Relays(metrics.Latest)}
            <h2>Last hour</h2>{HistoryChart.Render(metrics.History, time.GetUtcNow())}
            <h2>Dead-letter store</h2>
            <p>{dead} dead letter(s) in {store.Description}. <a href="/letters">List them</a>.</p>
            <table><tr><th>Largest groups</th><th>Class</th><th>Letters</th><th>Last seen</th></tr>
            {Html.Join(groups.Select(g => Html.Of($"<tr><td><a href=\"/letters?group={Uri.EscapeDataString(g.Key)}\">{g.Label}</a></td><td>{g.Class}</td><td class=\"num\">{g.Count}</td><td>{Page.Time(g.LastSeen)}</td></tr>")))}
            </table>
            <h2>Latest replay jobs</h2>{JobsPage.Table(jobs)}
            """), refreshSeconds: 10);
    }

    private static async Task<Html> QueuesAsync(OperatorContext operatorContext, CancellationToken token)
    {
        try
        {
            // A connection per view: the broker may have restarted since the last one.
            await using var context = operatorContext.WithOwnConnection();
            var (queues, unackedProblem) = await QueueSurvey.ReadAsync(context, token);
            return Html.Of($"""
                <p>Broker {context.Endpoint}</p>
                <table><tr><th>Queue</th><th>Role</th><th>Ready</th><th>Unacked</th><th>Consumers</th></tr>
                {Html.Join(queues.Select(q => Html.Of($"<tr><td>{q.Name}</td><td>{q.Role}</td><td class=\"num\">{Count(q.Ready, q.Exists)}</td><td class=\"num\">{Count(q.Unacked, q.Exists)}</td><td class=\"num\">{Count(q.Consumers, q.Exists)}</td></tr>")))}
                </table>{Html.When(unackedProblem is not null, Page.Notice($"Unacked unknown: {unackedProblem}", "error"))}
                """);
        }
        catch (OperatorException ex)
        {
            return Page.Notice(ex.Message, "error");
        }
    }

    private static Html Worker(WorkerMetricsWatch.Reading reading)
    {
        var breaker = reading.BreakerOpen switch
        {
            true => Page.Notice("Relay circuit breaker OPEN: consumption is paused until the relay answers again.", "error"),
            false => Html.Of($"<p>Relay circuit breaker closed.</p>"),
            null => Html.Empty,
        };
        var rates = reading.Rates is not { } r ? Html.Empty : Html.Of($"""
            <table><tr><th>Outcome (last {r.WindowSeconds.ToString("0", CultureInfo.InvariantCulture)} s)</th><th>Per minute</th></tr>
            <tr><td>delivered</td><td class="num">{r.DeliveredPerMinute:0.0}</td></tr>
            <tr><td>deferred</td><td class="num">{r.DeferredPerMinute:0.0}</td></tr>
            <tr><td>dead-lettered</td><td class="num">{r.DeadLetteredPerMinute:0.0}</td></tr>
            <tr><td>rejected/expired</td><td class="num">{r.RejectedOrExpiredPerMinute:0.0}</td></tr></table>
            <p>Success rate {(r.SuccessRate is { } rate ? (rate * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %" : "-")}; {r.DeliveredSinceStart:0} delivered since the worker started.</p>
            """);
        return Html.Of($"""
            <p>Metrics {reading.Url ?? "not configured"}</p>{breaker}{rates}{Html.When(reading.Problem is not null, Page.Notice(reading.Problem ?? "", "error"))}
            """);
    }

    /// <summary>Each relay's limits now (and their ceilings), its breaker, and its last change and last decrease with their reasons.</summary>
    private static Html Relays(WorkerMetricsWatch.Reading reading)
    {
        if (reading.Relays is not { } report)
            return reading.RelaysProblem is { } problem ? Page.Notice(problem, "error") : Html.Empty;
        return Html.Of($"""
            <table class="relays"><tr><th>Relay</th><th>Connections (limit / ceiling)</th><th>Transactions/s (limit / ceiling)</th><th>Breaker</th><th>Last lowered</th><th>Last change</th></tr>
            {Html.Join(report.Relays.Select(r => Html.Of($"<tr><td>{r.Name}</td><td class=\"num\">{r.ConnectionLimit} / {r.MaxConnections}</td><td class=\"num\">{Rate(r.RateLimit)} / {Rate(r.MaxRatePerSecond)}</td><td>{(r.BreakerOpen ? "OPEN" : "closed")}</td><td class=\"reason\">{Note(r.LastDecrease)}</td><td class=\"reason\">{Note(r.LastChange)}</td></tr>")))}
            </table>
            """);
    }

    private static string Rate(double? rate) => rate?.ToString("0.#", CultureInfo.InvariantCulture) ?? "none";

    private static Html Note(Delivery.RelayLimitNote? note) =>
        note is null ? Html.Of($"never (configured limits)") : Html.Of($"<time>{Page.Time(note.At)}</time> {note.Text}");

    private static string Count(long? value, bool exists) => exists ? value?.ToString(CultureInfo.InvariantCulture) ?? "?" : "missing";
}
