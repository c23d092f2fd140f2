using EmailWorker.Broker;
using EmailWorker.Configuration;
using EmailWorker.DeadLetters.Store;
using EmailWorker.Diagnostics;
using EmailWorker.Webhooks;

namespace EmailWorker.Cli.Webhooks;

/// <summary>The configured endpoints (checked as the worker checks them) and the store opened for its outbox; no broker needed.</summary>
internal static class WebhookStoreSession
{
    public static WebhookOptions Options(OperatorContext context)
    {
        var problems = new List<string>();
        var options = ValidatedOptions.Bind<WebhookOptions, WebhookOptionsValidator>(context.Configuration, WebhookOptions.Section, problems);
        if (problems.Count > 0)
            throw new OperatorException($"Invalid configuration: {string.Join("; ", problems)}", ExitCodes.Usage);
        return options;
    }

    public static async Task<(IDeadLetterStore Store, IWebhookStore Outbox)> OpenAsync(OperatorContext context, CancellationToken cancellationToken)
    {
        var store = await DeadLetterStoreSession.OpenAsync(context, drain: false, cancellationToken);
        if (store is IWebhookStore outbox)
            return (store, outbox);
        await store.DisposeAsync();
        throw new OperatorException("the dead-letter store keeps no webhook outbox");
    }

    /// <summary>A URL as shown to operators: without its query (it may carry a token), escaped for a terminal.</summary>
    public static string ShownUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
            ? SafeText.Bound(uri.GetLeftPart(UriPartial.Path) + (uri.Query.Length > 0 ? "?…" : ""), 300)
            : SafeText.Bound(url, 300);
}
