using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using RabbitMQ.Client;

namespace EmailWorker.Publisher.Connection;

/// <summary>
/// The one place that turns broker addresses and TLS options into what RabbitMQ.Client connects to, for the worker, the
/// operator commands and <see cref="EmailPublisher"/>: a list of endpoints (a cluster's nodes) tried in the order given, at
/// connect and at every recovery, each with the same TLS settings.
/// </summary>
public static class BrokerEndpoints
{
    /// <summary>
    /// Parses a comma-separated <c>host[:port]</c> list (<c>[v6]:port</c> for IPv6); an empty list means the one node
    /// <paramref name="host"/>:<paramref name="port"/>. A host without a port gets <paramref name="port"/>.
    /// </summary>
    public static bool TryParse(string? list, string host, int port, [NotNullWhen(true)] out IReadOnlyList<DnsEndPoint>? endpoints,
        [NotNullWhen(false)] out string? problem)
    {
        endpoints = null;
        problem = null;
        if (string.IsNullOrWhiteSpace(list))
        {
            if (string.IsNullOrWhiteSpace(host) || port is < 1 or > 65535)
            {
                problem = "needs a host and a port from 1 to 65535";
                return false;
            }
            endpoints = [new DnsEndPoint(host, port)];
            return true;
        }
        var parsed = new List<DnsEndPoint>();
        foreach (var item in list.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!TryParseOne(item, port, out var endpoint))
            {
                problem = $"has '{item}': write host:port entries separated by commas, e.g. rabbit-1:5672,rabbit-2:5672";
                return false;
            }
            if (parsed.Contains(endpoint))
            {
                problem = $"names {item} twice";
                return false;
            }
            parsed.Add(endpoint);
        }
        endpoints = parsed;
        return true;
    }

    private static bool TryParseOne(string item, int defaultPort, [NotNullWhen(true)] out DnsEndPoint? endpoint)
    {
        endpoint = null;
        string host;
        var portText = "";
        if (item.StartsWith('['))
        {
            var close = item.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
                return false;
            host = item[1..close];
            if (close + 1 < item.Length)
            {
                if (item[close + 1] != ':')
                    return false;
                portText = item[(close + 2)..];
            }
        }
        else
        {
            var colon = item.LastIndexOf(':');
            host = colon < 0 ? item : item[..colon];
            portText = colon < 0 ? "" : item[(colon + 1)..];
        }
        var port = defaultPort;
        if (portText.Length > 0 && !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port))
            return false;
        if (port is < 1 or > 65535 || Uri.CheckHostName(host) == UriHostNameType.Unknown)
            return false;
        endpoint = new DnsEndPoint(host, port);
        return true;
    }

    /// <summary>The endpoints RabbitMQ.Client connects to, each carrying the TLS settings (verified peer, optional client certificate).</summary>
    public static IList<AmqpTcpEndpoint> Create(IReadOnlyList<DnsEndPoint> endpoints, AmqpTlsOptions tls) =>
        [.. endpoints.Select(endpoint => new AmqpTcpEndpoint(endpoint.Host, endpoint.Port, SslFor(endpoint.Host, tls)))];

    /// <summary>
    /// Makes <paramref name="factory"/> try endpoints in the order given (the client's default resolver shuffles them), so
    /// operators decide which node a process prefers and the order in which it fails over.
    /// </summary>
    public static ConnectionFactory TryInOrder(this ConnectionFactory factory)
    {
        factory.EndpointResolverFactory = endpoints => new OrderedEndpointResolver(endpoints);
        return factory;
    }

    /// <summary>For logs and errors: <c>host:port,host:port</c>, never credentials.</summary>
    public static string Describe(IReadOnlyList<DnsEndPoint> endpoints) =>
        string.Join(',', endpoints.Select(e => e.Host.Contains(':', StringComparison.Ordinal)
            ? $"[{e.Host}]:{e.Port.ToString(CultureInfo.InvariantCulture)}"
            : $"{e.Host}:{e.Port.ToString(CultureInfo.InvariantCulture)}"));

    private static SslOption SslFor(string host, AmqpTlsOptions tls)
    {
        if (!tls.Enabled)
            return new SslOption { Enabled = false };
        var ssl = new SslOption
        {
            Enabled = true,
            ServerName = tls.ServerName.Length > 0 ? tls.ServerName : host,
            CertificateValidationCallback = CertificateTrust.Validator(tls.CaFile),
        };
        if (tls.ClientCertificateFile.Length > 0)
            ssl.Certs = [CertificateTrust.LoadClientCertificate(tls.ClientCertificateFile, tls.ClientCertificatePassword)];
        return ssl;
    }
}
