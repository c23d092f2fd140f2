using System.CommandLine;
using System.Text.Json;
using EmailWorker.Diagnostics;

namespace EmailWorker.Cli.Suppress;

/// <summary>
/// <c>emailworker suppress import &lt;file&gt; [--format csv|json] [--by NAME] [--json]</c>: adds a file's entries, all or none
/// of them as far as their content goes (<see cref="SuppressionImport"/>); bad entries are listed with their lines, exit 2.
/// </summary>
internal static class SuppressImportCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "A CSV file with a header line, or a JSON array (as export writes them)" };
        var format = new Option<string>("--format") { Description = "csv or json (default: json when the name ends in .json, else csv)" };
        var by = new Option<string>("--by") { Description = "Who adds the entries that name nobody (default: the user running the command)" };
        var json = new Option<bool>("--json") { Description = "The report as one JSON object" };
        var command = new Command("import", "Add the entries of a CSV or JSON file to the suppression list; nothing is added if any entry is wrong.");
        command.Arguments.Add(file);
        command.Options.Add(format);
        command.Options.Add(by);
        command.Options.Add(json);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(parse, async (context, token) =>
        {
            var path = parse.GetValue(file)!;
            var fileFormat = SuppressionFileFormats.Of(parse.GetValue(format), path);
            var actor = SuppressionInput.Actor(parse.GetValue(by));
            if (!File.Exists(path))
                throw SuppressionInput.Usage($"there is no file {SafeText.Bound(path, 200)}");
            var (store, list) = await SuppressionStoreSession.OpenAsync(context, token);
            SuppressionImportResult result;
            await using (store)
            {
                result = await SuppressionImport.RunAsync(list, () => File.OpenRead(path), fileFormat, DateTimeOffset.UtcNow, actor, token);
            }
            if (parse.GetValue(json))
                await Console.Out.WriteLineAsync(Json(result));
            else if (result.Imported)
                await Console.Out.WriteLineAsync($"imported {result.Rows} entr{(result.Rows == 1 ? "y" : "ies")}: {result.Added} added, {result.Rows - result.Added} listed already (left as they were)");
            if (result.Imported)
                return ExitCodes.Ok;
            if (!parse.GetValue(json))
            {
                foreach (var problem in result.Problems)
                    await Console.Error.WriteLineAsync($"emailworker: {problem}");
                var more = result.ProblemCount - result.Problems.Count;
                await Console.Error.WriteLineAsync($"emailworker: {(more > 0 ? $"and {more} more; " : "")}{result.ProblemCount} wrong entr{(result.ProblemCount == 1 ? "y" : "ies")}: nothing was imported");
            }
            return ExitCodes.Usage;
        }, cancellationToken));
        return command;
    }

    private static string Json(SuppressionImportResult result)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteBoolean("imported", result.Imported);
            writer.WriteNumber("rows", result.Rows);
            writer.WriteNumber("added", result.Added);
            writer.WriteNumber("problemCount", result.ProblemCount);
            writer.WriteStartArray("problems");
            foreach (var problem in result.Problems)
                writer.WriteStringValue(problem);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
