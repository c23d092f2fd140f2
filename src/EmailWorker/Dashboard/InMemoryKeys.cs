using System.Collections.Concurrent;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;


namespace EmailWorker.Dashboard;

/// <summary>
/// The keys that sign the log-in cookie and the CSRF tokens, in memory only: no key file lies around to be stolen, and a
/// restart of the dashboard logs everyone out.
/// </summary>
internal sealed class InMemoryKeys : IXmlRepository
{
    private readonly ConcurrentQueue<XElement> _keys = new();

    public IReadOnlyCollection<XElement> GetAllElements() => [.. _keys.Select(k => new XElement(k))];

    public void StoreElement(XElement element, string friendlyName) => _keys.Enqueue(new XElement(element));
}
