using System.CommandLine;
using EmailWorker.Diagnostics;

namespace EmailWorker.Cli.Suppress;

/// <summary>
/// <c>emailworker suppress export [--format csv|json] [--json] [--to FILE]</c>: the whole list, written page by page to
/// standard output or to a new file (written under another name and renamed when complete: a file is never left half-written).
/// </summary>
internal static class SuppressExportCommand
{
    public static Command Create()
    {
        var format = new Option<string>("--format") { Description = "csv (default) or json" };
        var json = new Option<bool>("--json") { Description = "The same as --format json" };
        var to = new Option<string>("--to") { Description = "Write to this file (it must not exist) instead of standard output" };
        var command = new Command("export", "Write the suppression list as CSV (with a header line) or a JSON array, in address order.");
        command.Options.Add(format);
        command.Options.Add(json);
        command.Options.Add(to);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(parse, async (context, token) =>
        {
            var path = parse.GetValue(to);
            var fileFormat = parse.GetValue(json) && parse.GetValue(format) is null ? SuppressionFileFormat.Json : SuppressionFileFormats.Of(parse.GetValue(format), path);
            if (path is not null && (File.Exists(path) || Directory.Exists(path)))
                throw SuppressionInput.Usage($"{SafeText.Bound(path, 200)} exists already: name a new file");
            var (store, list) = await SuppressionStoreSession.OpenAsync(context, token);
            await using (store)
            {
                if (path is null)
                {
                    await using var output = Console.OpenStandardOutput();
                    await SuppressionExport.WriteAsync(list, output, fileFormat, token);
                    return ExitCodes.Ok;
                }
                var partial = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.partial");
                try
                {
                    long count;
                    await using (var output = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true))
                        count = await SuppressionExport.WriteAsync(list, output, fileFormat, token);
                    File.Move(partial, path, overwrite: false);
                    await Console.Out.WriteLineAsync($"exported {count} entr{(count == 1 ? "y" : "ies")} to {SafeText.Bound(path, 200)}");
                }
                finally
                {
                    File.Delete(partial);
                }
            }
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }
}
