using System.CommandLine;
using System.Text.Json;
using EmailWorker.Contracts;
using EmailWorker.Diagnostics;
using EmailWorker.Publisher;

namespace EmailWorker.Cli.Send;

/// <summary><c>emailworker send</c>: publishes one message, validated first — the operator's smoke test.</summary>
internal static class SendCommand
{
    public static Command Create()
    {
        var to = new Option<string[]>("--to") { Description = "Recipient address (repeatable)", AllowMultipleArgumentsPerToken = true };
        var subject = new Option<string?>("--subject") { Description = "Subject" };
        var text = new Option<string?>("--text") { Description = "Plain-text body" };
        var from = new Option<string?>("--from") { Description = "Sender address (default: Delivery:DefaultFrom)" };
        var file = new Option<FileInfo?>("--file") { Description = "A SendEmail JSON file instead of the options above" };
        var priority = new Option<string?>("--priority")
        {
            Description = "The lane: high, normal or bulk (published to the lane's exchange; with --file, instead of the file's priority)",
        };
        priority.AcceptOnlyFromAmong([.. EmailPriority.All]);
        var command = new Command("send", "Publish one message to the work exchange of its lane (validated first).");
        foreach (var option in new Option[] { to, subject, text, from, file, priority })
            command.Options.Add(option);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(parse, async (context, token) =>
        {
            var message = parse.GetValue(file) is { } json ? await ReadAsync(json, parse.GetValue(to), token) : new SendEmail
            {
                MessageId = $"cli-{Guid.NewGuid():N}",
                From = parse.GetValue(from) is { Length: > 0 } sender ? new EmailAddress { Address = sender } : null,
                To = [.. (parse.GetValue(to) ?? []).Select(address => new EmailAddress { Address = address })],
                Subject = parse.GetValue(subject),
                Text = parse.GetValue(text),
            };
            if (parse.GetValue(priority) is { } lane)
                message = message with { Priority = lane };
            await using var publisher = new EmailPublisher(new EmailPublisherOptions
            {
                HostName = context.Broker.Host,
                Port = context.Broker.Port,
                Endpoints = context.Broker.Endpoints,
                Tls = context.Broker.Tls,
                VirtualHost = context.Broker.VirtualHost,
                UserName = context.Broker.Username,
                Password = context.Broker.Password,
                Exchange = context.Names.Work,
                Timeout = context.Broker.PublishTimeoutValue,
                Limits = new SendEmailLimits { HasDefaultSender = !string.IsNullOrEmpty(context.Delivery.DefaultFrom), MaxMessageBytes = context.Delivery.MaxMessageBytes },
            });
            try
            {
                await publisher.PublishAsync(message, token);
            }
            catch (EmailValidationException ex)
            {
                throw new OperatorException(ex.Message, ExitCodes.Usage);
            }
            catch (EmailPublishException ex)
            {
                throw new OperatorException(ex.Message);
            }
            Console.Out.WriteLine($"sent {message.MessageId}");
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    private static async Task<SendEmail> ReadAsync(FileInfo file, string[]? to, CancellationToken cancellationToken)
    {
        if (to is { Length: > 0 })
            throw new OperatorException("--file takes the whole message: leave out --to, --subject, --text and --from", ExitCodes.Usage);
        if (!file.Exists)
            throw new OperatorException($"{file.FullName} does not exist", ExitCodes.Usage);
        try
        {
            await using var stream = file.OpenRead();
            return await JsonSerializer.DeserializeAsync(stream, ContractsJsonContext.Default.SendEmail, cancellationToken)
                ?? throw new OperatorException($"{file.Name} holds JSON null, not a SendEmail", ExitCodes.Usage);
        }
        catch (JsonException ex)
        {
            throw new OperatorException($"{file.Name} is not a SendEmail JSON object: {ex.Message}", ExitCodes.Usage);
        }
    }
}
