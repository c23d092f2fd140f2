using System.CommandLine;
using EmailWorker.Diagnostics;

namespace EmailWorker.Cli.Webhooks;

/// <summary>
/// <c>emailworker webhooks replay &lt;id…&gt; | --endpoint NAME</c>: failed webhooks become pending and due now, their schedule
/// starts over, and their endpoints are enabled again if a 410 had disabled them. The workers' dispatchers send them.
/// </summary>
internal static class WebhooksReplayCommand
{
    public static Command Create()
    {
        var ids = new Argument<long[]>("id") { Description = "Ids of failed webhooks (from webhooks failures)", Arity = ArgumentArity.ZeroOrMore };
        var endpoint = new Option<string?>("--endpoint") { Description = "Every failed webhook of this endpoint (and enable it again)" };
        var command = new Command("replay", "Send failed webhooks again, by id or every one of an endpoint; enables an endpoint a 410 disabled.");
        command.Arguments.Add(ids);
        command.Options.Add(endpoint);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(parse, async (context, token) =>
        {
            var chosen = parse.GetValue(ids) ?? [];
            var name = parse.GetValue(endpoint);
            if ((chosen.Length == 0) == (name is null))
                throw new OperatorException("name the failed webhooks' ids or --endpoint NAME (one of them)", ExitCodes.Usage);
            if (chosen.Length > 10_000)
                throw new OperatorException($"{chosen.Length} ids: at most 10000 at once; use --endpoint for all of an endpoint", ExitCodes.Usage);
            var options = WebhookStoreSession.Options(context);
            if (name is not null && !options.Endpoints.Any(e => e.Name == name))
                throw new OperatorException($"no endpoint is named '{SafeText.Bound(name, 64)}' in Webhooks:Endpoints", ExitCodes.Usage);
            var (store, outbox) = await WebhookStoreSession.OpenAsync(context, token);
            await using (store)
            {
                var replayed = await outbox.ReplayWebhooksAsync(chosen.Length > 0 ? chosen.Distinct().ToList() : null, name, DateTimeOffset.UtcNow, token);
                context.Audit.Information("Webhooks replayed by {Operator}: {Count} failed webhook(s) ({Selection})", Environment.UserName, replayed,
                    name is null ? $"ids {string.Join(",", chosen.Take(20))}{(chosen.Length > 20 ? ",…" : "")}" : $"endpoint {name}");
                await Console.Out.WriteLineAsync($"replayed {replayed} webhook(s){(name is null ? "" : $"; {SafeText.Bound(name, 64)} is enabled")}");
            }
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }
}
