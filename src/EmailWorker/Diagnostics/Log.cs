using Microsoft.Extensions.Logging;

namespace EmailWorker.Diagnostics;

/// <summary>
/// Every log event of the worker, as source-generated message templates. Events carry IDs, codes and outcomes; never
/// bodies, addresses of senders, or credentials.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Connected to RabbitMQ at {BrokerEndpoint}")]
    public static partial void BrokerConnected(ILogger logger, string brokerEndpoint);

    [LoggerMessage(2, LogLevel.Warning, "RabbitMQ at {BrokerEndpoint} is unreachable ({Reason}); trying again in {RetryDelay}")]
    public static partial void BrokerUnreachable(ILogger logger, string brokerEndpoint, TimeSpan retryDelay, string reason);

    [LoggerMessage(3, LogLevel.Information, "Worker consuming {Queue} on {BrokerEndpoint} with concurrency {ConcurrencyLimit} and prefetch {PrefetchCount}")]
    public static partial void WorkerStarted(ILogger logger, string queue, string brokerEndpoint, int concurrencyLimit, int prefetchCount);

    [LoggerMessage(4, LogLevel.Information, "Worker stopped consuming {Queue}; in-flight messages settled")]
    public static partial void WorkerStopped(ILogger logger, string queue);

    [LoggerMessage(5, LogLevel.Information, "Opened SMTP connection to {SmtpHost}:{SmtpPort} (relay {Relay})")]
    public static partial void SmtpConnected(ILogger logger, string smtpHost, int smtpPort, string relay);

    [LoggerMessage(6, LogLevel.Warning, "Could not open {Failed} of {PoolSize} SMTP connection(s) to {SmtpHost}:{SmtpPort} (relay {Relay}) at start-up ({Reason}); the first messages open them")]
    public static partial void SmtpPoolNotOpened(ILogger logger, int failed, int poolSize, string smtpHost, int smtpPort, string relay, string reason);

    [LoggerMessage(7, LogLevel.Debug, "Closed {Closed} SMTP connection(s) to {SmtpHost}:{SmtpPort} (relay {Relay}) unused for {IdleTimeout}")]
    public static partial void SmtpIdleClosed(ILogger logger, int closed, string smtpHost, int smtpPort, string relay, TimeSpan idleTimeout);

    [LoggerMessage(10, LogLevel.Information, "Delivered {MessageId} on attempt {Attempt} to {RecipientCount} recipient(s)")]
    public static partial void Delivered(ILogger logger, string messageId, int attempt, int recipientCount);

    [LoggerMessage(11, LogLevel.Information,
        "Deferred {MessageId} after attempt {Attempt}: {SmtpCode} {EnhancedCode} {Reason}; next attempt at {NextAttemptAt} for {RecipientCount} recipient(s)")]
    public static partial void Deferred(ILogger logger, string messageId, int attempt, int? smtpCode, string? enhancedCode, string reason,
        DateTimeOffset nextAttemptAt, int recipientCount);

    [LoggerMessage(12, LogLevel.Warning,
        "Dead-lettered {MessageId} as {FailureClass}: {Reason} (SMTP {SmtpCode} {EnhancedCode}, attempts {Attempts}, first failure {FirstFailureAt}, last failure {LastFailureAt})")]
    public static partial void DeadLettered(ILogger logger, string messageId, string failureClass, string reason, int? smtpCode, string? enhancedCode,
        int attempts, DateTimeOffset firstFailureAt, DateTimeOffset lastFailureAt);

    [LoggerMessage(13, LogLevel.Warning, "Recipient {Recipient} of {MessageId} refused for good on attempt {Attempt}: {SmtpCode} {EnhancedCode} {Reason}")]
    public static partial void RecipientRefused(ILogger logger, string messageId, int attempt, int? smtpCode, string? enhancedCode, string reason, string recipient);

    [LoggerMessage(14, LogLevel.Error, "Could not move {MessageId} to the {Destination} queue ({Reason}); holding it and trying again in {RetryIn}")]
    public static partial void MoveFailed(ILogger logger, string messageId, string destination, string reason, TimeSpan retryIn);

    [LoggerMessage(17, LogLevel.Warning, "The broker has not confirmed the move of {MessageId} to the {Destination} queue for {Waited}; still waiting (is it blocking publishers?)")]
    public static partial void MoveUnconfirmed(ILogger logger, string messageId, string destination, TimeSpan waited);

    [LoggerMessage(18, LogLevel.Error, "Gave up moving {MessageId} to the {Destination} queue as the worker stops; the broker gets it back as it came")]
    public static partial void MoveAbandoned(ILogger logger, string messageId, string destination);

    [LoggerMessage(19, LogLevel.Warning,
        "Returned {MessageId} to the work queue after attempt {Attempt} for {RecipientCount} recipient(s): {Reason} (system returns so far: {SystemReturns})")]
    public static partial void Returned(ILogger logger, string messageId, int attempt, string reason, int systemReturns, int recipientCount);

    [LoggerMessage(15, LogLevel.Error, "Handling {MessageId} failed unexpectedly; it was requeued")]
    public static partial void HandlerFailed(ILogger logger, string messageId, Exception exception);

    [LoggerMessage(50, LogLevel.Warning, "Relay {Relay}: {Limits} {Reason}")]
    public static partial void RelayLimitLowered(ILogger logger, string relay, string limits, string reason);

    [LoggerMessage(51, LogLevel.Information, "Relay {Relay}: {Limits} {Reason}")]
    public static partial void RelayLimitRaised(ILogger logger, string relay, string limits, string reason);

    [LoggerMessage(52, LogLevel.Warning, "{MessageId} still throttled by the relay after {Sends} send(s) in {Waited}; back to the work queue, no retry spent")]
    public static partial void ThrottledTooLong(ILogger logger, string messageId, int sends, TimeSpan waited);

    [LoggerMessage(500, LogLevel.Error, "Reporting the outcome of {MessageId} failed; its moves are durable, so it is acked all the same")]
    public static partial void ReportFailed(ILogger logger, string messageId, Exception exception);

    [LoggerMessage(501, LogLevel.Information, "The publishing connection recovered after the broker blocked it: taking messages again until the broker blocks the new one")]
    public static partial void BrokerBlockEndedByRecovery(ILogger logger);

    [LoggerMessage(502, LogLevel.Warning, "The drain time ran out with {InFlight} message(s) in flight: their sends are cancelled; moves of messages a recipient accepted keep waiting for their confirms")]
    public static partial void DrainTimedOut(ILogger logger, int inFlight);

    [LoggerMessage(20, LogLevel.Error, "SMTP relay unusable, {Consequence}: relay {Relay}: {Reason}; first probe in {FirstProbeIn}")]
    public static partial void BreakerOpened(ILogger logger, string consequence, string relay, string reason, TimeSpan firstProbeIn);

    [LoggerMessage(21, LogLevel.Information, "SMTP relay answers again after {Downtime}: relay {Relay}; taking messages for it again")]
    public static partial void BreakerClosed(ILogger logger, TimeSpan downtime, string relay);

    [LoggerMessage(22, LogLevel.Debug, "SMTP relay probe failed: relay {Relay}: {Reason}")]
    public static partial void ProbeFailed(ILogger logger, string relay, string reason);

    [LoggerMessage(23, LogLevel.Error, "Pausing or resuming consumption failed")]
    public static partial void BreakerHandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(24, LogLevel.Information, "Paused consuming {Queue}")]
    public static partial void ConsumptionPaused(ILogger logger, string queue);

    [LoggerMessage(25, LogLevel.Information, "Consuming {Queue}")]
    public static partial void ConsumptionResumed(ILogger logger, string queue);

    [LoggerMessage(40, LogLevel.Warning, "Could not consume {Queue} again (try {Attempt}): {Reason}")]
    public static partial void ResumeFailed(ILogger logger, string queue, int attempt, string reason);

    [LoggerMessage(41, LogLevel.Critical, "The broker cancelled the consumer of {Queue} (was the queue deleted?); stopping so the worker is restarted")]
    public static partial void ConsumerCancelledByBroker(ILogger logger, string queue);

    [LoggerMessage(28, LogLevel.Warning, "RabbitMQ blocks publishing ({Reason}); pausing consumption until it unblocks")]
    public static partial void BrokerBlocked(ILogger logger, string reason);

    [LoggerMessage(29, LogLevel.Information, "RabbitMQ unblocked publishing; resuming consumption")]
    public static partial void BrokerUnblocked(ILogger logger);

    [LoggerMessage(30, LogLevel.Warning, "Status event {RoutingKey} not published: {Reason}")]
    public static partial void EventDropped(ILogger logger, string routingKey, string reason);

    [LoggerMessage(31, LogLevel.Warning, "{DroppedEvents} status event(s) were dropped in this run")]
    public static partial void EventsDroppedInTotal(ILogger logger, long droppedEvents);

    [LoggerMessage(27, LogLevel.Warning, "Could not settle {DeliveryCount} delivery(ies) on the consumer channel ({Reason}); the broker redelivers what it holds unacked")]
    public static partial void SettleFailed(ILogger logger, int deliveryCount, string reason);

    [LoggerMessage(26, LogLevel.Critical, "The broker closed the channel consuming {Queue} ({ReplyCode} {ReplyText}); stopping so the worker is restarted")]
    public static partial void ConsumerChannelClosed(ILogger logger, string queue, int replyCode, string replyText);

    [LoggerMessage(16, LogLevel.Error,
        "{Count} messages in a row were refused by policy (last: {SmtpCode} {EnhancedCode} {Reason}): the sender or this relay is likely blocklisted")]
    public static partial void PolicyRejectionsInARow(ILogger logger, int count, int? smtpCode, string? enhancedCode, string reason);

    [LoggerMessage(230, LogLevel.Warning, "RabbitMQ connection ({Purpose}) to {BrokerNode} lost: {ReplyCode} {ReplyText}; recovering")]
    public static partial void BrokerConnectionLost(ILogger logger, string purpose, string brokerNode, ushort replyCode, string replyText);

    [LoggerMessage(231, LogLevel.Warning, "RabbitMQ connection ({Purpose}) recovery attempt failed on every node of {BrokerEndpoint}: {Reason}; trying again")]
    public static partial void BrokerRecoveryFailed(ILogger logger, string purpose, string brokerEndpoint, string reason);

    [LoggerMessage(232, LogLevel.Information, "RabbitMQ connection ({Purpose}) recovered on {BrokerNode}")]
    public static partial void BrokerRecovered(ILogger logger, string purpose, string brokerNode);

    [LoggerMessage(233, LogLevel.Warning, "RabbitMQ connection ({Purpose}) failed over from {LostNode} to {BrokerNode}")]
    public static partial void BrokerFailedOver(ILogger logger, string purpose, string lostNode, string brokerNode);
    [LoggerMessage(260, LogLevel.Information, "Ingesting dead letters from {Queue} into {Store} (batches of up to {BatchSize})")]
    public static partial void DeadLetterIngestStarted(ILogger logger, string queue, string store, int batchSize);

    [LoggerMessage(261, LogLevel.Information, "Not ingesting dead letters: DeadLetters:Ingest is false")]
    public static partial void DeadLetterIngestOff(ILogger logger);

    [LoggerMessage(262, LogLevel.Debug, "Stored {Stored} dead letter(s) of a batch of {BatchCount} ({Duplicates} already stored)")]
    public static partial void DeadLettersStored(ILogger logger, int stored, int batchCount, int duplicates);

    [LoggerMessage(263, LogLevel.Warning, "The dead-letter store {Store} failed to {Operation} ({Reason}); trying again in {RetryDelay}")]
    public static partial void DeadLetterStoreFailed(ILogger logger, string store, string operation, string reason, TimeSpan retryDelay);

    [LoggerMessage(264, LogLevel.Warning, "Ingesting dead letters from {Queue} was interrupted ({Reason}); consuming again in {RetryDelay}")]
    public static partial void DeadLetterIngestInterrupted(ILogger logger, string queue, string reason, TimeSpan retryDelay);

    [LoggerMessage(265, LogLevel.Warning, "Could not ack {Count} stored dead letter(s) ({Reason}); the broker redelivers them and the store keeps one row each")]
    public static partial void DeadLetterAckFailed(ILogger logger, int count, string reason);

    [LoggerMessage(266, LogLevel.Error, "A dead letter could not be read ({Reason}); it is stored as class unknown with its body")]
    public static partial void DeadLetterUnreadable(ILogger logger, string reason);

    [LoggerMessage(270, LogLevel.Warning, "{Queue} has {Consumers} other consumer(s) while this process would ingest it into its own SQLite file; waiting up to {Patience} for them to let go before refusing")]
    public static partial void DeadLetterQueueHeldByOther(ILogger logger, string queue, uint consumers, TimeSpan patience);

    [LoggerMessage(267, LogLevel.Information, "Stopped ingesting dead letters from {Queue}")]
    public static partial void DeadLetterIngestStopped(ILogger logger, string queue);

    [LoggerMessage(268, LogLevel.Information, "Retention removed {Deleted} replayed or purged dead letter(s) older than {Retention} from {Store}")]
    public static partial void DeadLetterRetentionDeleted(ILogger logger, long deleted, TimeSpan retention, string store);

    [LoggerMessage(269, LogLevel.Warning, "Retention of the dead-letter store failed ({Reason}); it runs again in {RetryDelay}")]
    public static partial void DeadLetterRetentionFailed(ILogger logger, string reason, TimeSpan retryDelay);

    private static readonly Func<ILogger, string, string?, int, IDisposable?> MessageScopeDefinition =
        LoggerMessage.DefineScope<string, string?, int>("{MessageId} (correlation {CorrelationId}, attempt {Attempt})");

    [LoggerMessage(400, LogLevel.Information, "Dashboard listening on {Urls} for {UserCount} user(s); dead-letter store {Store}")]
    public static partial void DashboardListening(ILogger logger, string urls, int userCount, string store);

    [LoggerMessage(401, LogLevel.Information, "Dashboard login of {User} as {Role}")]
    public static partial void DashboardLogin(ILogger logger, string user, string role);

    [LoggerMessage(402, LogLevel.Warning, "Dashboard login refused for {User} from {Remote}")]
    public static partial void DashboardLoginRefused(ILogger logger, string user, string remote);

    [LoggerMessage(407, LogLevel.Warning, "Dashboard login throttled for {User} from {Remote}: too many attempts this minute")]
    public static partial void DashboardLoginThrottled(ILogger logger, string user, string remote);

    [LoggerMessage(403, LogLevel.Warning, "Dashboard: {Actor} ({Role}) {Action} {Count} dead letter(s), selection {Selection}, job {JobId}")]
    public static partial void DashboardAction(ILogger logger, string actor, string role, string action, long count, string selection, long? jobId);

    [LoggerMessage(404, LogLevel.Information, "Dashboard replay job {JobId} ended {State}: {Replayed}/{Total} replayed, {Skipped} skipped")]
    public static partial void DashboardJobEnded(ILogger logger, long jobId, string state, long replayed, long total, long skipped);

    [LoggerMessage(405, LogLevel.Error, "Dashboard replay job {JobId} stopped: {Reason}; resume it with 'emailworker dlq jobs resume {JobId}'")]
    public static partial void DashboardJobFailed(ILogger logger, long jobId, string reason);

    [LoggerMessage(406, LogLevel.Warning, "Dashboard refused {Method} {Path} for {User}: {Reason}")]
    public static partial void DashboardRefused(ILogger logger, string method, string path, string user, string reason);

    /// <summary>
    /// The scope of one message's handling: every event logged meanwhile carries its <c>MessageId</c>, <c>CorrelationId</c>
    /// and <c>Attempt</c> (this delivery's attempt number) as properties.
    /// </summary>
    public static IDisposable? MessageScope(ILogger logger, string messageId, string? correlationId, int attempt) =>
        MessageScopeDefinition(logger, messageId, correlationId, attempt);

    [LoggerMessage(500, LogLevel.Information, "{MessageId}: {RecipientCount} recipient(s) have it already (the delivered ledger holds their 250); not sent again")]
    public static partial void DeliveredBefore(ILogger logger, string messageId, int recipientCount);

    [LoggerMessage(501, LogLevel.Warning,
        "{MessageId}: {RecipientCount} recipient(s) in doubt (claimed by an attempt that never recorded the relay's reply: the relay may have the mail); {Resolution}")]
    public static partial void InDoubt(ILogger logger, string messageId, int recipientCount, string resolution);

    [LoggerMessage(502, LogLevel.Warning, "The delivered ledger could not {Operation} of {MessageId} ({Reason}): the message goes on as without the ledger")]
    public static partial void LedgerWriteFailed(ILogger logger, string operation, string messageId, string reason);

    [LoggerMessage(505, LogLevel.Warning,
        "{MessageId}: the delivered ledger already holds {RecipientCount} recipient(s) of it that this delivery does not account for (another copy of the message was or is being sent); nothing sent, given back to be looked up again")]
    public static partial void LedgerClaimedElsewhere(ILogger logger, string messageId, int recipientCount);

    [LoggerMessage(506, LogLevel.Warning, "The delivered ledger did not record the attempts of the deliveries about to be acked or given back within {Timeout}: settled as without the ledger")]
    public static partial void LedgerRecordsLate(ILogger logger, TimeSpan timeout);

    [LoggerMessage(503, LogLevel.Information, "Retention removed {Deleted} delivered-ledger row(s) older than {Retention} from {Store}")]
    public static partial void LedgerRetentionDeleted(ILogger logger, long deleted, TimeSpan retention, string store);

    [LoggerMessage(504, LogLevel.Warning, "Retention of the delivered ledger failed ({Reason}); it runs again in {RetryDelay}")]
    public static partial void LedgerRetentionFailed(ILogger logger, string reason, TimeSpan retryDelay);

    [LoggerMessage(510, LogLevel.Information, "{MessageId}: a recipient is on the suppression list ({Reason}, by {EntryKind}, scope {Scope}); not sent to")]
    public static partial void Suppressed(ILogger logger, string messageId, string reason, string entryKind, string scope);

    [LoggerMessage(511, LogLevel.Warning, "The suppression list could not {Operation} for {MessageId} ({Reason}): delivery goes on without the check")]
    public static partial void SuppressionFailed(ILogger logger, string operation, string messageId, string reason);

    [LoggerMessage(512, LogLevel.Information, "{MessageId}: {Count} recipient(s) added to the suppression list after a hard bounce")]
    public static partial void SuppressionAdded(ILogger logger, string messageId, int count);

    [LoggerMessage(513, LogLevel.Information, "{MessageId}: {Count} recipient(s) added to the suppression list after {Threshold} messages failed soft within {Window}")]
    public static partial void SuppressionAddedAfterSoftFailures(ILogger logger, string messageId, int count, int threshold, string window);

    [LoggerMessage(514, LogLevel.Information, "Removed {Deleted} soft-failure count(s) whose window of {Window} has passed")]
    public static partial void SoftFailuresSwept(ILogger logger, int deleted, string window);

    [LoggerMessage(515, LogLevel.Warning, "Removing the soft-failure counts past their window failed ({Reason}); it runs again in {RetryDelay}")]
    public static partial void SoftFailureSweepFailed(ILogger logger, string reason, TimeSpan retryDelay);

    [LoggerMessage(516, LogLevel.Information, "The suppression list's filter holds {Keys} key(s) (room for {Capacity})")]
    public static partial void SuppressionFilterLoaded(ILogger logger, int keys, int capacity);

    [LoggerMessage(517, LogLevel.Warning, "The suppression list's filter could not be brought up to date ({Reason}): after {MaxAge} every message is looked up in the database until it is")]
    public static partial void SuppressionFilterFailed(ILogger logger, string reason, TimeSpan maxAge);

    [LoggerMessage(600, LogLevel.Information, "Webhooks: the outbox writer consumes {Queue} for {EndpointCount} endpoint(s) into the store's outbox")]
    public static partial void WebhookWriterStarted(ILogger logger, string queue, int endpointCount);

    [LoggerMessage(601, LogLevel.Warning, "Webhooks: the outbox writer on {Queue} was interrupted ({Reason}); it starts again in {RetryDelay}")]
    public static partial void WebhookWriterInterrupted(ILogger logger, string queue, string reason, TimeSpan retryDelay);

    [LoggerMessage(602, LogLevel.Warning, "Webhooks: an event with routing key {RoutingKey} is not sent on ({Problem}); acked")]
    public static partial void WebhookEventUnreadable(ILogger logger, string routingKey, string problem);

    [LoggerMessage(603, LogLevel.Warning, "Webhooks: the outbox could not {Operation} ({Reason}); trying again in {RetryDelay}")]
    public static partial void WebhookStoreFailed(ILogger logger, string operation, string reason, TimeSpan retryDelay);

    [LoggerMessage(604, LogLevel.Information, "Webhooks: {Endpoint} took {WebhookId} ({EventType}) on attempt {Attempt}")]
    public static partial void WebhookDelivered(ILogger logger, string endpoint, string webhookId, string eventType, int attempt);

    [LoggerMessage(605, LogLevel.Warning, "Webhooks: {Endpoint} did not take {WebhookId} on attempt {Attempt} ({Reason}); next attempt at {NextAttemptAt}")]
    public static partial void WebhookRetry(ILogger logger, string endpoint, string webhookId, int attempt, string reason, DateTimeOffset nextAttemptAt);

    [LoggerMessage(606, LogLevel.Error, "Webhooks: {Endpoint} did not take {WebhookId} on the last attempt ({Attempt}: {Reason}); failed, replay it with emailworker webhooks replay")]
    public static partial void WebhookFailed(ILogger logger, string endpoint, string webhookId, int attempt, string reason);

    [LoggerMessage(607, LogLevel.Error, "Webhooks: {Endpoint} answered 410 Gone: the endpoint is disabled until its URL changes or an operator replays its webhooks")]
    public static partial void WebhookEndpointGone(ILogger logger, string endpoint);

    [LoggerMessage(608, LogLevel.Information, "Retention removed {Deleted} delivered webhook(s) older than {Retention} from the outbox")]
    public static partial void WebhookRetentionDeleted(ILogger logger, long deleted, TimeSpan retention);

    [LoggerMessage(750, LogLevel.Information, "{MessageId}: held until its sendAt {SendAt:O}")]
    public static partial void ScheduledHeld(ILogger logger, string messageId, DateTimeOffset sendAt);

    [LoggerMessage(751, LogLevel.Information, "{MessageId}: held, cancelled or released before under this message id; acked without holding it again")]
    public static partial void ScheduledKnown(ILogger logger, string messageId);

    [LoggerMessage(752, LogLevel.Warning, "{MessageId}: could not be held until its sendAt ({Reason}); it goes back to the work queue")]
    public static partial void ScheduledHoldFailed(ILogger logger, string messageId, string reason);

    [LoggerMessage(753, LogLevel.Information, "{MessageId}: released to the work queue, due at {SendAt:O} ({LateMilliseconds} ms after it)")]
    public static partial void ScheduledReleased(ILogger logger, string messageId, DateTimeOffset sendAt, long lateMilliseconds);

    [LoggerMessage(754, LogLevel.Warning, "Scheduled send: releasing due messages failed ({Reason}); trying again in {RetryDelay}")]
    public static partial void ScheduledReleaseFailed(ILogger logger, string reason, TimeSpan retryDelay);

    [LoggerMessage(755, LogLevel.Warning, "{MessageId}: published when due, but its lease had ended before it was marked released: it may be published once more")]
    public static partial void ScheduledLeaseLost(ILogger logger, string messageId);
}
