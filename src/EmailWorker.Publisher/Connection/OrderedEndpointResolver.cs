using RabbitMQ.Client;

namespace EmailWorker.Publisher.Connection;

/// <summary>Hands RabbitMQ.Client the endpoints in the configured order, at connect and at every recovery attempt.</summary>
internal sealed class OrderedEndpointResolver(IEnumerable<AmqpTcpEndpoint> endpoints) : IEndpointResolver
{
    private readonly AmqpTcpEndpoint[] _endpoints = [.. endpoints];

    public IEnumerable<AmqpTcpEndpoint> All() => _endpoints;
}
