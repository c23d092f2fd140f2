using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using System.Net;
using EmailWorker.Contracts;
using EmailWorker.Publisher.Connection;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace EmailWorker.Publisher;

/// <summary>
/// Publishes <see cref="SendEmail"/> commands as persistent plain JSON to the work exchange of their lane
/// (<see cref="EmailPriority.ExchangeFor"/>: <c>email.send</c>, <c>email.send.high</c> or <c>email.send.bulk</c>). A command is validated first
/// (<see cref="EmailValidationException"/>, nothing sent); then it is published with publisher confirms and the
/// <c>mandatory</c> flag, and <see cref="PublishAsync"/> returns only when the broker has confirmed it. A return, a nack,
/// a timeout or a lost connection throws <see cref="EmailPublishException"/> — never a silent success. One connection is
/// shared; a small pool of channels makes concurrent calls safe.
/// </summary>
public sealed class EmailPublisher : IAsyncDisposable
{
    private readonly EmailPublisherOptions _options;
    private readonly IReadOnlyList<DnsEndPoint> _endpoints;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _connectGate = new(1, 1);
    private readonly SemaphoreSlim _channelSlots;
    private readonly Channel<IChannel> _idleChannels = Channel.CreateUnbounded<IChannel>();
    private IConnection? _connection;

    public EmailPublisher(EmailPublisherOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Channels, 1);
        if (!BrokerEndpoints.TryParse(options.Endpoints, options.HostName, options.Port, out var endpoints, out var problem))
            throw new ArgumentException($"Endpoints {problem}", nameof(options));
        if (options.Tls.Problems().FirstOrDefault() is ({ } key, { } tlsProblem))
            throw new ArgumentException($"Tls.{key} {tlsProblem}", nameof(options));
        _endpoints = endpoints;
        _options = options;
        _time = time ?? TimeProvider.System;
        _channelSlots = new SemaphoreSlim(options.Channels, options.Channels);
    }

    public async Task PublishAsync(SendEmail message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var errors = SendEmailValidator.Validate(message, _options.Limits, _time.GetUtcNow());
        if (errors.Count > 0)
            throw new EmailValidationException(errors);

        var body = JsonSerializer.SerializeToUtf8Bytes(message, ContractsJsonContext.Default.SendEmail);
        if (body.Length > _options.Limits.MaxMessageBytes)
            throw new EmailValidationException([new ValidationError(ValidationCodes.TooLarge, "body",
                $"{body.Length} bytes; at most {_options.Limits.MaxMessageBytes} are accepted")]);
        var exchange = EmailPriority.ExchangeFor(_options.Exchange, message.Priority);
        using var deadline = new CancellationTokenSource(_options.Timeout, _time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            // Every channel busy for the whole timeout is a timeout like a slow confirm, not a bare cancellation.
            await _channelSlots.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException ex) when (Translate(message.MessageId, exchange, ex, cancellationToken) is { } failure)
        {
            throw failure;
        }
        IChannel? channel = null;
        try
        {
            channel = await RentChannelAsync(timeout.Token);
            var properties = new BasicProperties
            {
                ContentType = "application/json",
                Persistent = true,
                MessageId = message.MessageId,
                CorrelationId = message.CorrelationId,
                Headers = TraceHeaders.Of(Activity.Current),
            };
            await channel.BasicPublishAsync(exchange, "", mandatory: true, properties, body, timeout.Token);
        }
        catch (Exception ex) when (Translate(message.MessageId, exchange, ex, cancellationToken) is { } failure)
        {
            throw failure;
        }
        finally
        {
            await ReturnChannelAsync(channel);
            _channelSlots.Release();
        }
    }

    private EmailPublishException? Translate(string messageId, string exchange, Exception exception, CancellationToken callerToken) => exception switch
    {
        OperationCanceledException when callerToken.IsCancellationRequested => null,
        OperationCanceledException => new(messageId, PublishFailure.TimedOut, $"no confirm within {_options.Timeout.TotalSeconds:0.#} s", exception),
        PublishException { IsReturn: true } => new(messageId, PublishFailure.Unroutable, $"no queue is bound to exchange '{exchange}'", exception),
        PublishException => new(messageId, PublishFailure.Refused, "the broker refused the message (nack)", exception),
        BrokerUnreachableException => new(messageId, PublishFailure.Unreachable,
            $"RabbitMQ at {BrokerEndpoints.Describe(_endpoints)} cannot be reached or refused the login", exception),
        OperationInterruptedException { ShutdownReason.ReplyCode: Constants.NotFound } => new(messageId, PublishFailure.Refused,
            $"exchange '{exchange}' does not exist", exception),
        OperationInterruptedException or AlreadyClosedException or IOException => new(messageId, PublishFailure.ConnectionLost, exception.Message, exception),
        _ => null,
    };

    private async Task<IChannel> RentChannelAsync(CancellationToken cancellationToken)
    {
        while (_idleChannels.Reader.TryRead(out var idle))
        {
            if (idle.IsOpen)
                return idle;
            await idle.DisposeAsync();
        }
        var connection = await ConnectionAsync(cancellationToken);
        return await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);
    }

    private async Task ReturnChannelAsync(IChannel? channel)
    {
        if (channel is null)
            return;
        if (channel.IsOpen)
            _idleChannels.Writer.TryWrite(channel);
        else
            await channel.DisposeAsync();
    }

    private async Task<IConnection> ConnectionAsync(CancellationToken cancellationToken)
    {
        if (_connection is { IsOpen: true } open)
            return open;
        await _connectGate.WaitAsync(cancellationToken);
        try
        {
            if (_connection is { IsOpen: true } reopened)
                return reopened;
            if (_connection is not null)
                await _connection.DisposeAsync();
            var factory = new ConnectionFactory
            {
                VirtualHost = _options.VirtualHost,
                UserName = _options.UserName,
                Password = _options.Password,
                ClientProvidedName = $"emailworker-publisher/{Environment.ProcessId}",
                RequestedConnectionTimeout = _options.Timeout,
                // A dropped connection is reopened by the next publish; automatic recovery would hide the loss from callers.
                AutomaticRecoveryEnabled = false,
            }.TryInOrder();
            _connection = await factory.CreateConnectionAsync(BrokerEndpoints.Create(_endpoints, _options.Tls), cancellationToken);
            return _connection;
        }
        finally
        {
            _connectGate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _idleChannels.Writer.TryComplete();
        while (_idleChannels.Reader.TryRead(out var channel))
            await channel.DisposeAsync();
        if (_connection is not null)
        {
            await _connection.CloseAsync();
            await _connection.DisposeAsync();
        }
        _connectGate.Dispose();
        _channelSlots.Dispose();
    }
}
