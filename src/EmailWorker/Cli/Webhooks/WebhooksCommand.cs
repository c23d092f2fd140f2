using System.CommandLine;

namespace EmailWorker.Cli.Webhooks;

/// <summary><c>emailworker webhooks …</c>: the configured endpoints and the webhook outbox, in the dead-letter store's database.</summary>
internal static class WebhooksCommand
{
    public static Command Create() => new("webhooks", "Show the webhook endpoints and their outbox, list failed webhooks and send them again.")
    {
        WebhooksListCommand.Create(),
        WebhooksFailuresCommand.Create(),
        WebhooksReplayCommand.Create(),
    };
}
