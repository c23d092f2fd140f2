using EmailWorker.Diagnostics;
using EmailWorker.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Serilog;

namespace EmailWorker.Broker;

/// <summary>
/// What every operator command shares with the worker: the same configuration sources and options (so they act on the same
/// broker, names and dead-letter store), the broker connection, and the audit log (Serilog, configured like the worker's).
/// </summary>
internal sealed class OperatorContext : IAsyncDisposable
{
    private IConnection? _connection;

    private OperatorContext(RabbitMqOptions broker, TopologyOptions topology, RetryOptions retry, DeliveryOptions delivery,
        DeadLetterOptions deadLetters, ILogger audit)
    {
        DeadLetters = deadLetters;
        Broker = broker;
        Topology = topology;
        Delivery = delivery;
        Names = TopologyNames.From(topology, retry);
        Declarer = new TopologyDeclarer(Names, Options.Create(topology));
        Audit = audit;
    }

    public RabbitMqOptions Broker { get; }

    public TopologyOptions Topology { get; }

    public DeliveryOptions Delivery { get; }

    public DeadLetterOptions DeadLetters { get; }

    public TopologyNames Names { get; }

    public TopologyDeclarer Declarer { get; }

    public ILogger Audit { get; }

    public static OperatorContext Load()
    {
        var builder = new ConfigurationBuilder();
        WorkerConfiguration.AddSources(builder);
        var configuration = builder.Build();
        var problems = new List<string>();
        var broker = Bind(configuration, RabbitMqOptions.Section, new RabbitMqOptions(), new RabbitMqOptionsValidator(), problems);
        var topology = Bind(configuration, TopologyOptions.Section, new TopologyOptions(), new TopologyOptionsValidator(), problems);
        var retry = Bind(configuration, RetryOptions.Section, new RetryOptions(), new RetryOptionsValidator(), problems);
        var delivery = Bind(configuration, DeliveryOptions.Section, new DeliveryOptions(), new DeliveryOptionsValidator(), problems);
        var deadLetters = Bind(configuration, DeadLetterOptions.Section, new DeadLetterOptions(), new DeadLetterOptionsValidator(), problems);
        if (problems.Count > 0)
            throw new OperatorException($"Invalid configuration: {string.Join("; ", problems)}", ExitCodes.Usage);
        var observability = configuration.GetSection(ObservabilityOptions.Section).Get<ObservabilityOptions>() ?? new ObservabilityOptions();
        var audit = new LoggerConfiguration().ReadFrom.Configuration(configuration).WriteToConsole(observability).CreateLogger();
        return new OperatorContext(broker, topology, retry, delivery, deadLetters, audit);
    }

    /// <summary>The connection, opened on first use; an unreachable broker or a refused login is one clear line, exit 1.</summary>
    public async Task<IConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        if (_connection is not null)
            return _connection;
        var factory = BrokerConnection.CreateFactory(Broker);
        factory.AutomaticRecoveryEnabled = false;
        factory.ClientProvidedName = $"emailworker-cli@{Environment.MachineName}/{Environment.ProcessId}";
        try
        {
            _connection = await BrokerConnection.OpenAsync(factory, Broker, cancellationToken);
            return _connection;
        }
        catch (BrokerUnreachableException ex) when (ex.InnerException is AuthenticationFailureException)
        {
            throw new OperatorException($"RabbitMQ at {Endpoint} refused the login of user '{Broker.Username}': check RabbitMq:Username and RabbitMq:Password");
        }
        catch (BrokerUnreachableException ex) when (TlsFailure(ex) is { } reason)
        {
            throw new OperatorException($"RabbitMQ at {Endpoint} failed the TLS handshake ({reason}): check RabbitMq:Tls:CaFile and RabbitMq:Tls:ServerName");
        }
        catch (BrokerUnreachableException)
        {
            throw new OperatorException($"RabbitMQ at {Endpoint} is unreachable: check RabbitMq:Endpoints (or Host and Port), RabbitMq:Tls, and that the broker runs");
        }
    }

    /// <summary>The TLS handshake's own words when that is why no node could be reached (e.g. an untrusted certificate).</summary>
    private static string? TlsFailure(Exception exception)
    {
        for (var inner = exception.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is System.Security.Authentication.AuthenticationException)
                return inner.Message;
        }
        return null;
    }

    public string Endpoint => Broker.Describe();

    private static T Bind<T>(IConfiguration configuration, string section, T options, IValidateOptions<T> validator, List<string> problems)
        where T : class
    {
        try
        {
            configuration.GetSection(section).Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            problems.Add(ex.Message);
            return options;
        }
        var result = validator.Validate(null, options);
        if (result.Failed)
            problems.AddRange(result.Failures);
        return options;
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.CloseAsync();
            await _connection.DisposeAsync();
        }
        (Audit as IDisposable)?.Dispose();
    }
}
