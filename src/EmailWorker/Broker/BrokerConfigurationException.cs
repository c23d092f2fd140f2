namespace EmailWorker.Broker;

/// <summary>The broker setup does not match what the worker needs; waiting will not fix it, an operator must.</summary>
internal sealed class BrokerConfigurationException(string message) : Exception(message);
