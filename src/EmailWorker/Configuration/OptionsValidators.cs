using System.Net.Mail;
using Microsoft.Extensions.Options;

namespace EmailWorker.Configuration;

internal sealed class RabbitMqOptionsValidator : IValidateOptions<RabbitMqOptions>
{
    public ValidateOptionsResult Validate(string? name, RabbitMqOptions options)
    {
        var errors = new OptionErrors(RabbitMqOptions.Section);
        errors.Require(!string.IsNullOrWhiteSpace(options.Host), "Host", "is empty: name the RabbitMQ host, e.g. localhost");
        errors.Require(options.Port is > 0 and <= 65535, "Port", $"is {options.Port}: use a TCP port from 1 to 65535, e.g. 5672");
        errors.Require(options.ManagementPort is >= 0 and <= 65535, "ManagementPort", $"is {options.ManagementPort}: use the management plugin's port, e.g. 15672, or 0 for none");
        errors.Require(!string.IsNullOrEmpty(options.VirtualHost), "VirtualHost", "is empty: use / for the default virtual host");
        errors.Require(!string.IsNullOrEmpty(options.Username), "Username", "is empty: name the RabbitMQ user");
        errors.Require(Duration.TryParse(options.PublishTimeout, out _), "PublishTimeout",
            $"is '{options.PublishTimeout}': write a duration with a unit, e.g. 10s");
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
        errors.Require(!string.IsNullOrWhiteSpace(options.Host), "Host", "is empty: name the SMTP relay, e.g. smtp.example.com");
        errors.Require(options.Port is > 0 and <= 65535, "Port", $"is {options.Port}: use a TCP port from 1 to 65535, e.g. 25, 587 or 465");
        errors.Require(Enum.TryParse<SmtpSecurity>(options.Security, ignoreCase: true, out var mode) && Enum.IsDefined(mode),
            "Security", $"is '{options.Security}': use one of {string.Join(", ", Enum.GetNames<SmtpSecurity>())}");
        errors.Require(string.IsNullOrEmpty(options.Password) || !string.IsNullOrEmpty(options.Username),
            "Username", "is empty while a password is set: name the SMTP user");
        errors.Require(options.PoolSize is >= 1 and <= 256, "PoolSize", $"is {options.PoolSize}: use 1 to 256 connections");
        errors.Require(Duration.TryParse(options.Timeout, out _), "Timeout", $"is '{options.Timeout}': write a duration with a unit, e.g. 30s");
        errors.Require(Duration.TryParse(options.AttemptDeadline, out _), "AttemptDeadline",
            $"is '{options.AttemptDeadline}': write a duration with a unit, e.g. 2m");
        return errors.ToResult();
    }
}

internal sealed class RetryOptionsValidator : IValidateOptions<RetryOptions>
{
    public ValidateOptionsResult Validate(string? name, RetryOptions options)
    {
        var errors = new OptionErrors(RetryOptions.Section);
        if (!RetrySchedule.TryParse(options.Schedule, out _, out var problem))
            errors.Add("Schedule", $"is '{options.Schedule}': {problem}");
        errors.Require(Duration.TryParse(options.GreylistMinimum, out _), "GreylistMinimum",
            $"is '{options.GreylistMinimum}': write a duration with a unit, e.g. 5m");
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
        errors.Require(options.ConcurrencyLimit <= options.PrefetchCount, "ConcurrencyLimit",
            $"is {options.ConcurrencyLimit} but PrefetchCount is {options.PrefetchCount}: a worker cannot process more messages than it is given");
        errors.Require(string.IsNullOrEmpty(options.DefaultFrom) || MailAddress.TryCreate(options.DefaultFrom, out _), "DefaultFrom",
            $"is '{options.DefaultFrom}': use a mail address, e.g. noreply@example.com, or leave it empty");
        errors.Require(Uri.CheckHostName(options.MessageIdDomain) == UriHostNameType.Dns, "MessageIdDomain",
            $"is '{options.MessageIdDomain}': use a domain name, e.g. mail.example.com");
        errors.Require(options.MaxMessageBytes is >= 1024, "MaxMessageBytes", $"is {options.MaxMessageBytes}: use at least 1024 bytes");
        return errors.ToResult();
    }
}

internal sealed class ClassificationOptionsValidator : IValidateOptions<ClassificationOptions>
{
    public ValidateOptionsResult Validate(string? name, ClassificationOptions options)
    {
        var errors = new OptionErrors(ClassificationOptions.Section);
        if (!ReplyOverrides.TryParse(options.Overrides, out _, out var problem))
            errors.Add("Overrides", $"is '{options.Overrides}': {problem}");
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
