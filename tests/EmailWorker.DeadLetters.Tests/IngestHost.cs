using EmailWorker.Hosting;
using EmailWorker.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EmailWorker.DeadLetters.Tests;

/// <summary><c>emailworker run</c>'s composition in this process, configured for one test's broker, prefix and store.</summary>
internal static class IngestHost
{
    public static Dictionary<string, string?> Settings(BrokerEndpoint broker, string prefix) => new()
    {
        ["RabbitMq:Host"] = broker.Host,
        ["RabbitMq:Port"] = broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RabbitMq:VirtualHost"] = broker.VirtualHost,
        ["RabbitMq:Username"] = broker.Username,
        ["RabbitMq:Password"] = broker.Password,
        ["Topology:Prefix"] = prefix,
        // Nothing is sent: the work queue stays empty (or only the broker takes from it).
        ["Smtp:Host"] = "127.0.0.1",
    };

    public static IHost Build(Dictionary<string, string?> settings, params ILoggerProvider[] logs)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddLogging(logging =>
        {
            foreach (var provider in logs)
                logging.AddProvider(provider);
        });
        builder.Services.AddEmailWorker(builder.Configuration);
        return builder.Build();
    }
}
