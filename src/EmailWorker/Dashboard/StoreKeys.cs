using System.Xml.Linq;
using EmailWorker.DeadLetters.Store;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace EmailWorker.Dashboard;

/// <summary>
/// The keys that sign the log-in cookie and the CSRF tokens, kept in the dead-letter store: every dashboard on the same
/// store (replicas behind a load balancer, a restarted one) accepts the cookies and forms another issued. They are as
/// secret as the store, which already holds every dead letter: whoever can read it can read the letters anyway.
/// </summary>
internal sealed class StoreKeys(IDeadLetterStore store, TimeProvider time) : IXmlRepository
{
    // Data protection's interface is synchronous; it reads the ring at start and when a key is due (days apart).
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var bound = new CancellationTokenSource(Bound);
        return [.. store.ReadDashboardKeysAsync(bound.Token).GetAwaiter().GetResult().Select(x => XElement.Parse(x))];
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var bound = new CancellationTokenSource(Bound);
        // The key's id names it (friendlyName is "key-<id>"); an element without one gets a name of its own.
        var name = string.IsNullOrWhiteSpace(friendlyName) ? Guid.NewGuid().ToString("N") : friendlyName;
        store.StoreDashboardKeyAsync(name, element.ToString(SaveOptions.DisableFormatting), time.GetUtcNow(), bound.Token).GetAwaiter().GetResult();
    }
}
