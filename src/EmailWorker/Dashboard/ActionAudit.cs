using EmailWorker.DeadLetters.Store;
using EmailWorker.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EmailWorker.Dashboard;

/// <summary>Every action taken in the dashboard is written to the store's audit log (who, role, when, what, selection, count) and logged.</summary>
internal sealed class ActionAudit(IDeadLetterStore store, ILogger<ActionAudit> logger, TimeProvider time)
{
    public async Task<AuditEntry> RecordAsync(HttpContext http, string action, string selection, long count, long? jobId)
    {
        var actor = http.User.Identity?.Name ?? "?";
        var role = Page.Role(http);
        var bounded = SafeText.Bound(selection, 2000);
        var entry = await store.AppendAuditAsync(new AuditEntry(0, time.GetUtcNow(), actor, role, action, bounded, count, jobId), CancellationToken.None);
        Log.DashboardAction(logger, actor, role, action, count, bounded, jobId);
        return entry;
    }
}
