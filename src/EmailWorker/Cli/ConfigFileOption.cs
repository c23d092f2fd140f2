using System.CommandLine;

namespace EmailWorker.Cli;

/// <summary>
/// <c>--config</c>, on every command: the JSON file read after <c>appsettings.json</c>. Each command's action passes it to
/// <see cref="Configuration.WorkerConfiguration.Load"/> (through <see cref="CommandRunner"/> or the worker's host).
/// </summary>
internal static class ConfigFileOption
{
    public static readonly Option<FileInfo> Option = new("--config")
    {
        Description = "A JSON configuration file read after appsettings.json (and appsettings.{DOTNET_ENVIRONMENT}.json); EMAILWORKER__* variables still override it",
        Recursive = true,
    };

    /// <summary>The full path of this invocation's <c>--config</c> file, or null (Program checked that it exists).</summary>
    public static string? Path(ParseResult parse) => parse.GetValue(Option)?.FullName;
}
