using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EmailWorker.DeadLetters.Store;
using EmailWorker.DeadLetters.Views;
using EmailWorker.Diagnostics;

namespace EmailWorker.Cli.DeadLetters;

/// <summary><c>emailworker dlq groups</c>: the dead letters grouped by how they failed, largest group first.</summary>
internal static class DlqGroupsCommand
{
    public static Command Create()
    {
        var filters = new SelectionOptions();
        var limit = new Option<int?>("--limit") { Description = "At most this many groups (default 50)" };
        var json = new Option<bool>("--json") { Description = "A JSON array instead of a table" };
        var command = new Command("groups", "Group dead letters by failure: class, SMTP codes and the reply with addresses and numbers masked.");
        filters.AddTo(command);
        command.Options.Add(limit);
        command.Options.Add(json);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(parse, async (context, token) =>
        {
            var selection = filters.Read(parse);
            if (!selection.InStore)
                throw new OperatorException("dlq groups takes the store's filters only (not --tag)", ExitCodes.Usage);
            if (LetterSelection.LimitProblem(parse.GetValue(limit), "--limit") is { } problem)
                throw new OperatorException(problem, ExitCodes.Usage);
            await using var store = await DeadLetterStoreSession.OpenAsync(context, drain: true, token);
            var groups = (await store.GroupsAsync(selection, parse.GetValue(limit) ?? 50, token)).ToList();
            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(groups, ViewJsonContext.Default.ListLetterGroup));
                return ExitCodes.Ok;
            }
            var table = new TextTable("GROUP", "COUNT", "CLASS", "SMTP", "FIRST SEEN", "LAST SEEN", "LABEL");
            foreach (var group in groups)
            {
                table.Add(group.Key, group.Count.ToString(CultureInfo.InvariantCulture), group.Class, $"{group.SmtpCode} {group.EnhancedCode}".Trim(),
                    group.FirstSeen.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                    group.LastSeen.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), group.Label);
            }
            table.WriteTo(Console.Out);
            Console.Out.WriteLine($"{groups.Count} group(s)");
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }
}
