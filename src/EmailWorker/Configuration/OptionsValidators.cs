using System.Net.Mail;
using EmailWorker.Publisher.Connection;
using Microsoft.Extensions.Options;
using MimeKit;

namespace EmailWorker.Configuration;

internal sealed class RabbitMqOptionsValidator : IValidateOptions<RabbitMqOptions>
{
    public ValidateOptionsResult Validate(string? name, RabbitMqOptions options)
    {
        var errors = new OptionErrors(RabbitMqOptions.Section);
        errors.Require(!string.IsNullOrWhiteSpace(options.Host) || !string.IsNullOrWhiteSpace(options.Endpoints), "Host",
            "is empty: name the RabbitMQ host, e.g. localhost, or list the nodes in RabbitMq:Endpoints");
        errors.Require(options.Port is > 0 and <= 65535, "Port", $"is {options.Port}: use a TCP port from 1 to 65535, e.g. 5672 (5671 with TLS)");
        if (!string.IsNullOrWhiteSpace(options.Endpoints) && !BrokerEndpoints.TryParse(options.Endpoints, options.Host, options.Port, out _, out var problem))
            errors.Add("Endpoints", problem);
        foreach (var (key, tlsProblem) in options.Tls.Problems())
            errors.Add($"Tls:{key}", tlsProblem);
        errors.Require(options.ManagementPort is >= 0 and <= 65535, "ManagementPort", $"is {options.ManagementPort}: use the management plugin's port, e.g. 15672, or 0 for none");
        errors.Require(!options.Tls.Enabled || options.UsesManagementHttps || options.ManagementPort == 0 || options.AllowPlaintextManagement, "ManagementHttps",
            "is false while Tls:Enabled is true: the management API would get the broker password in clear text over http; set ManagementHttps " +
            "to true (or leave it unset: it follows Tls:Enabled), ManagementPort to 0 for none, or AllowPlaintextManagement to true for a network you trust");
        errors.Require(!string.IsNullOrEmpty(options.VirtualHost), "VirtualHost", "is empty: use / for the default virtual host");
        errors.Require(!string.IsNullOrEmpty(options.Username), "Username", "is empty: name the RabbitMQ user");
        errors.Require(Duration.TryParse(options.PublishTimeout, out _), "PublishTimeout",
            $"is '{options.PublishTimeout}': write a duration with a unit, e.g. 10s");
        errors.Require(options.MaxInboundMessageBytes is >= 1024 * 1024 and <= 512L * 1024 * 1024, "MaxInboundMessageBytes",
            $"is {options.MaxInboundMessageBytes}: use 1048576 to 536870912 bytes, at least the broker's max_message_size (134217728 on a stock broker)");
        return errors.ToResult();
    }
}

internal sealed class TopologyOptionsValidator : IValidateOptions<TopologyOptions>
{
    public ValidateOptionsResult Validate(string? name, TopologyOptions options)
    {
        var errors = new OptionErrors(TopologyOptions.Section);
        errors.Require(!string.IsNullOrWhiteSpace(options.Prefix) && options.Prefix.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'),
            "Prefix", $"is '{options.Prefix}': use letters, digits, '.', '-' or '_', e.g. email");
        errors.Require(options.DeliveryLimit is >= 1 and <= 10000, "DeliveryLimit",
            $"is {options.DeliveryLimit}: use a number of deliveries from 1 to 10000, e.g. 20");
        return errors.ToResult();
    }
}

internal sealed class SmtpOptionsValidator : IValidateOptions<SmtpOptions>
{
    public ValidateOptionsResult Validate(string? name, SmtpOptions options)
    {
        var errors = new OptionErrors(SmtpOptions.Section);
        if (options.Relays.Count == 0)
        {
            errors.Require(!string.IsNullOrWhiteSpace(options.Host), "Host", "is empty: name the SMTP relay, e.g. smtp.example.com (or list several in Smtp:Relays)");
            ValidateRelay(errors, "", options, options.Adaptive.MinConnections, options.Adaptive.MaxRatePerSecond);
        }
        else
        {
            RelaysValidator.Validate(errors, options);
        }
        errors.Require(Duration.TryParse(options.Timeout, out _), "Timeout", $"is '{options.Timeout}': write a duration with a unit, e.g. 30s");
        errors.Require(Duration.TryParse(options.IdleTimeout, out var idle) && idle >= TimeSpan.FromSeconds(1) && idle <= TimeSpan.FromHours(1), "IdleTimeout",
            $"is '{options.IdleTimeout}': write a duration from 1s to 1h with a unit, e.g. 5s");
        errors.Require(Duration.TryParse(options.AttemptDeadline, out _), "AttemptDeadline",
            $"is '{options.AttemptDeadline}': write a duration with a unit, e.g. 2m");
        var adaptive = options.Adaptive;
        // RabbitMQ's consumer_timeout (30 min by default) closes the channel of a delivery held longer.
        errors.Require(Duration.TryParse(adaptive.MaxThrottleWait, out var wait) && wait >= TimeSpan.FromSeconds(1) && wait <= TimeSpan.FromMinutes(20),
            "Adaptive:MaxThrottleWait", $"is '{adaptive.MaxThrottleWait}': write a duration from 1s to 20m (well below RabbitMQ's consumer_timeout), e.g. 5m");
        errors.Require(adaptive.InitialConnections is >= 1 and <= 256, "Adaptive:InitialConnections",
            $"is {adaptive.InitialConnections}: use 1 to 256 connections to start with (a relay starts with at most its PoolSize), e.g. 4");
        errors.Require(adaptive.MaxThrottledAttempts is >= 1 and <= 10_000, "Adaptive:MaxThrottledAttempts",
            $"is {adaptive.MaxThrottledAttempts}: use 1 to 10000 sends, e.g. 50");
        RoutesValidator.Validate(errors, options);
        return errors.ToResult();
    }

    /// <summary>
    /// The checks of one relay's connection and limits; <paramref name="prefix"/> names where its keys are (empty for the
    /// single-relay keys, <c>Relays:0:</c> for an entry of the list), <paramref name="relay"/> holds its resolved values.
    /// </summary>
    internal static void ValidateRelay(OptionErrors errors, string prefix, SmtpOptions relay, int minConnections, double maxRatePerSecond)
    {
        var adaptivePrefix = prefix.Length == 0 ? "Adaptive:" : prefix;
        errors.Require(relay.Port is > 0 and <= 65535, $"{prefix}Port", $"is {relay.Port}: use a TCP port from 1 to 65535, e.g. 25, 587 or 465");
        var securityKnown = Enum.TryParse<SmtpSecurity>(relay.Security, ignoreCase: true, out var mode) && Enum.IsDefined(mode);
        errors.Require(securityKnown,
            $"{prefix}Security", $"is '{relay.Security}': use one of {string.Join(", ", Enum.GetNames<SmtpSecurity>())}");
        errors.Require(string.IsNullOrEmpty(relay.Password) || !string.IsNullOrEmpty(relay.Username),
            $"{prefix}Username", "is empty while a password is set: name the SMTP user");
        // Only once the mode is known: a misspelt mode must not also be reported as None.
        errors.Require(!securityKnown || mode != SmtpSecurity.None || string.IsNullOrEmpty(relay.Username) || relay.AllowPlaintextAuth, $"{prefix}AllowPlaintextAuth",
            "is false while Username is set and Security is None: AUTH would send the password in clear text; use StartTls or SslOnConnect, " +
            "or set AllowPlaintextAuth to true for a relay on a network you trust");
        if (!string.IsNullOrEmpty(relay.TrustedCaFile))
        {
            errors.Require(!securityKnown || mode != SmtpSecurity.None, $"{prefix}TrustedCaFile", "is set while Security is None: use StartTls or SslOnConnect, or leave it empty");
            if (!CertificateTrust.TryLoadAuthorities(relay.TrustedCaFile, out _, out var problem))
                errors.Add($"{prefix}TrustedCaFile", $"'{relay.TrustedCaFile}' {problem}");
        }
        errors.Require(relay.PoolSize is >= 1 and <= 256, $"{prefix}PoolSize", $"is {relay.PoolSize}: use 1 to 256 connections");
        errors.Require(minConnections >= 1 && minConnections <= relay.PoolSize, $"{adaptivePrefix}MinConnections",
            $"is {minConnections}: use 1 to Smtp:{prefix}PoolSize ({relay.PoolSize}) connections");
        errors.Require(maxRatePerSecond is >= 0 and <= 100_000 && double.IsFinite(maxRatePerSecond), $"{adaptivePrefix}MaxRatePerSecond",
            $"is {maxRatePerSecond}: use transactions per second from 0 (no ceiling) to 100000, e.g. 14 for an SES account sending 14 a second");
    }
}

internal sealed class RetryOptionsValidator : IValidateOptions<RetryOptions>
{
    public ValidateOptionsResult Validate(string? name, RetryOptions options)
    {
        var errors = new OptionErrors(RetryOptions.Section);
        var valid = RetrySchedule.TryParse(options.Schedule, out _, out var problem);
        if (!valid)
            errors.Add("Schedule", $"is '{options.Schedule}': {problem}");
        foreach (var (key, schedule) in new[] { ("MailboxFull", options.MailboxFull), ("DomainFailure", options.DomainFailure), ("ConnectionFailure", options.ConnectionFailure) })
        {
            if (string.IsNullOrWhiteSpace(schedule) || RetrySchedule.TryParse(schedule, out _, out problem))
                continue;
            valid = false;
            errors.Add(key, $"is '{schedule}': {problem}; or leave it empty for Retry:Schedule");
        }
        errors.Require(options.JitterPercent is >= 0 and <= 100, "JitterPercent",
            $"is {options.JitterPercent}: use 0 (no jitter) to 100 percent of a step, e.g. 20");
        errors.Require(options.JitterTiers is >= 1 and <= 10, "JitterTiers",
            $"is {options.JitterTiers}: use 1 (no jitter) to 10 tier queues per step, e.g. 4");
        if (valid && options.JitterPercent is >= 0 and <= 100 && options.JitterTiers is >= 1 and <= 10
            && options.Schedules.TierDelays.Count is var tiers && tiers > RetryOptions.MaxTierQueues)
        {
            errors.Add("JitterTiers", $"is {options.JitterTiers}: with these schedules it makes {tiers} retry tier queues; " +
                $"at most {RetryOptions.MaxTierQueues}: use fewer jitter tiers or shorter schedules");
        }
        errors.Require(Duration.TryParse(options.GreylistMinimum, out _), "GreylistMinimum",
            $"is '{options.GreylistMinimum}': write a duration with a unit, e.g. 5m");
        errors.Require(options.MaxSystemReturns is >= 1 and <= 1000, "MaxSystemReturns",
            $"is {options.MaxSystemReturns}: use a number of returns from 1 to 1000, e.g. 10");
        return errors.ToResult();
    }
}

internal sealed class DeliveryOptionsValidator : IValidateOptions<DeliveryOptions>
{
    public ValidateOptionsResult Validate(string? name, DeliveryOptions options)
    {
        var errors = new OptionErrors(DeliveryOptions.Section);
        errors.Require(options.PrefetchCount is >= 1 and <= ushort.MaxValue, "PrefetchCount",
            $"is {options.PrefetchCount}: use 1 to {ushort.MaxValue}");
        errors.Require(options.ConcurrencyLimit is >= 1 and <= 1024, "ConcurrencyLimit", $"is {options.ConcurrencyLimit}: use 1 to 1024");
        errors.Require(options.BulkShare is > 0 and < 1, "BulkShare",
            $"is {options.BulkShare}: use a share above 0 and below 1 (0.2: bulk takes one handling slot in five while normal messages wait)");
        errors.Require(options.ConcurrencyLimit <= options.PrefetchCount, "ConcurrencyLimit",
            $"is {options.ConcurrencyLimit} but PrefetchCount is {options.PrefetchCount}: a worker cannot process more messages than it is given");
        errors.Require(string.IsNullOrEmpty(options.DefaultFrom)
            || (MailboxAddress.TryParse(options.DefaultFrom, out var sender) && MailAddress.TryCreate(sender.Address, out var address) && address.Address == sender.Address),
            "DefaultFrom",
            $"is '{options.DefaultFrom}': use a mail address, e.g. noreply@example.com, or leave it empty");
        errors.Require(Uri.CheckHostName(options.MessageIdDomain) == UriHostNameType.Dns, "MessageIdDomain",
            $"is '{options.MessageIdDomain}': use a domain name, e.g. mail.example.com");
        errors.Require(options.MaxMessageBytes is >= 1024, "MaxMessageBytes", $"is {options.MaxMessageBytes}: use at least 1024 bytes");
        errors.Require(Enum.TryParse<InDoubtPolicy>(options.InDoubt, ignoreCase: true, out var inDoubt) && Enum.IsDefined(inDoubt), "InDoubt",
            $"is '{options.InDoubt}': use one of {string.Join(", ", Enum.GetNames<InDoubtPolicy>())}");
        errors.Require(Duration.TryParse(options.LedgerRetention, out var ledgerRetention) && ledgerRetention >= TimeSpan.FromMinutes(1), "LedgerRetention",
            $"is '{options.LedgerRetention}': write a duration of at least 1m with a unit, e.g. 7d (longer than a message can wait in the retry tiers)");
        return errors.ToResult();
    }
}

internal sealed class HostingOptionsValidator : IValidateOptions<HostingOptions>
{
    public ValidateOptionsResult Validate(string? name, HostingOptions options)
    {
        var errors = new OptionErrors(HostingOptions.Section);
        errors.Require(Duration.TryParse(options.ShutdownTimeout, out var timeout) && timeout > TimeSpan.Zero && timeout <= TimeSpan.FromHours(1),
            "ShutdownTimeout", $"is '{options.ShutdownTimeout}': write a duration from 1s to 1h with a unit, e.g. 30s");
        return errors.ToResult();
    }
}

internal sealed class DeadLetterOptionsValidator : IValidateOptions<DeadLetterOptions>
{
    public ValidateOptionsResult Validate(string? name, DeadLetterOptions options)
    {
        var errors = new OptionErrors(DeadLetterOptions.Section);
        var known = Enum.TryParse<DeadLetterStoreKind>(options.Store, ignoreCase: true, out var store) && Enum.IsDefined(store);
        errors.Require(known, "Store", $"is '{options.Store}': use one of {string.Join(", ", Enum.GetNames<DeadLetterStoreKind>())}");
        if (known && store == DeadLetterStoreKind.Sqlite)
            errors.Require(!string.IsNullOrWhiteSpace(options.DataDirectory), "DataDirectory", "is empty: name the folder of the SQLite file, e.g. ./data");
        if (known && store == DeadLetterStoreKind.Postgres)
        {
            // The connection string holds a password: the message says what is wrong, never what was written.
            errors.Require(!string.IsNullOrWhiteSpace(options.ConnectionString), "ConnectionString",
                "is empty while Store is Postgres: give a connection string, e.g. Host=db;Database=emailworker;Username=emailworker;Password=…");
            errors.Require(string.IsNullOrWhiteSpace(options.ConnectionString) || IsConnectionString(options.ConnectionString), "ConnectionString",
                "is not a PostgreSQL connection string (Key=Value pairs separated by ';' with at least Host)");
        }
        errors.Require(Duration.TryParse(options.Retention, out _), "Retention", $"is '{options.Retention}': write a duration with a unit, e.g. 30d");
        errors.Require(options.IngestBatchSize is >= 1 and <= ushort.MaxValue, "IngestBatchSize",
            $"is {options.IngestBatchSize}: use 1 to {ushort.MaxValue}");
        return errors.ToResult();
    }

    private static bool IsConnectionString(string text)
    {
        try
        {
            return !string.IsNullOrWhiteSpace(new Npgsql.NpgsqlConnectionStringBuilder(text).Host);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            return false;
        }
    }
}

internal sealed partial class SuppressionOptionsValidator : IValidateOptions<SuppressionOptions>
{
    public ValidateOptionsResult Validate(string? name, SuppressionOptions options)
    {
        var errors = new OptionErrors(SuppressionOptions.Section);
        foreach (var code in options.HardBounceCodes)
            errors.Require(code is not null && EnhancedCode().IsMatch(code), "HardBounceCodes",
                $"has '{code}': use permanent enhanced status codes such as 5.1.1");
        errors.Require(Duration.TryParse(options.FilterRefresh, out var refresh) && refresh >= TimeSpan.FromMilliseconds(100) && refresh <= TimeSpan.FromMinutes(1),
            "FilterRefresh", $"is '{options.FilterRefresh}': write a duration from 100ms to 1m, e.g. 1s");
        var soft = options.SoftFailures;
        errors.Require(soft.Count is >= 0 and <= 1000, "SoftFailures:Count", $"is {soft.Count}: use 0 (off) to 1000 messages, e.g. 5");
        errors.Require(Duration.TryParse(soft.Window, out var window) && window >= TimeSpan.FromMinutes(1) && window <= TimeSpan.FromDays(365),
            "SoftFailures:Window", $"is '{soft.Window}': write a duration from 1m to 365d, e.g. 7d");
        foreach (var code in soft.Codes)
            errors.Require(code is not null && SoftCode().IsMatch(code), "SoftFailures:Codes",
                $"has '{code}': use enhanced status codes such as 4.2.2 (a full mailbox)");
        return errors.ToResult();
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^5\.[0-9]{1,3}\.[0-9]{1,3}$")]
    private static partial System.Text.RegularExpressions.Regex EnhancedCode();

    [System.Text.RegularExpressions.GeneratedRegex(@"^[45]\.[0-9]{1,3}\.[0-9]{1,3}$")]
    private static partial System.Text.RegularExpressions.Regex SoftCode();
}
