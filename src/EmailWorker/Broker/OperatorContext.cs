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

    private readonly bool _ownsAudit;

    private OperatorContext(IConfiguration configuration, RabbitMqOptions broker, TopologyOptions topology, RetryOptions retry,
        DeliveryOptions delivery, DeadLetterOptions deadLetters, ObservabilityOptions observability, ILogger audit, bool ownsAudit)
    {
        Configuration = configuration;
        DeadLetters = deadLetters;
        Broker = broker;
        Topology = topology;
        Retry = retry;
        Delivery = delivery;
        Observability = observability;
        Names = TopologyNames.From(topology, retry);
        Declarer = new TopologyDeclarer(Names, Options.Create(topology));
        Audit = audit;
        _ownsAudit = ownsAudit;
    }

    /// <summary>The configuration the options were bound from (a front end binds its own section from it, e.g. the dashboard's).</summary>
    public IConfiguration Configuration { get; }

    public RabbitMqOptions Broker { get; }

    public TopologyOptions Topology { get; }

    public RetryOptions Retry { get; }

    public DeliveryOptions Delivery { get; }

    public DeadLetterOptions DeadLetters { get; }

    /// <summary>Read for the console's format and the worker's listener, not checked: a command does not serve them.</summary>
    public ObservabilityOptions Observability { get; }

    public TopologyNames Names { get; }

    public TopologyDeclarer Declarer { get; }

    public ILogger Audit { get; }

    /// <summary>
    /// Binds and checks the options every operator command needs from <paramref name="configuration"/> (loaded once, by the
    /// command); any problem is one message, exit 2.
    /// </summary>
    public static OperatorContext Load(IConfiguration configuration)
    {
        var problems = new List<string>();
        var broker = ValidatedOptions.Bind<RabbitMqOptions, RabbitMqOptionsValidator>(configuration, RabbitMqOptions.Section, problems);
        var topology = ValidatedOptions.Bind<TopologyOptions, TopologyOptionsValidator>(configuration, TopologyOptions.Section, problems);
        var retry = ValidatedOptions.Bind<RetryOptions, RetryOptionsValidator>(configuration, RetryOptions.Section, problems);
        var delivery = ValidatedOptions.Bind<DeliveryOptions, DeliveryOptionsValidator>(configuration, DeliveryOptions.Section, problems);
        var deadLetters = ValidatedOptions.Bind<DeadLetterOptions, DeadLetterOptionsValidator>(configuration, DeadLetterOptions.Section, problems);
        var observability = ValidatedOptions.Bind<ObservabilityOptions>(configuration, ObservabilityOptions.Section, problems);
        if (problems.Count > 0)
            throw new OperatorException($"Invalid configuration: {string.Join("; ", problems)}", ExitCodes.Usage);
        var audit = new LoggerConfiguration().ReadFrom.Configuration(configuration).WriteToConsole(observability).CreateLogger();
        return new OperatorContext(configuration, broker, topology, retry, delivery, deadLetters, observability, audit, ownsAudit: true);
    }

    /// <summary>
    /// The same options and audit log with a broker connection of its own, for work that outlives a request or needs a fresh
    /// connection (a dashboard's replay job, its overview): nothing is read or checked again.
    /// </summary>
    public OperatorContext WithOwnConnection() =>
        new(Configuration, Broker, Topology, Retry, Delivery, DeadLetters, Observability, Audit, ownsAudit: false);

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

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.CloseAsync();
            await _connection.DisposeAsync();
        }
        Declarer.Dispose();
        if (_ownsAudit)
            (Audit as IDisposable)?.Dispose();
    }
}
