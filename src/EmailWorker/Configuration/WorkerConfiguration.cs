using Microsoft.Extensions.Configuration;


namespace EmailWorker.Configuration;

/// <summary>
/// Where configuration comes from, for every subcommand, later sources overriding earlier ones: <c>appsettings.json</c> next to
/// the executable (a copy of the one at the repo root), <c>appsettings.{Environment}.json</c> beside it when present (the
/// environment from <c>DOTNET_ENVIRONMENT</c>, default <c>Production</c>), the file named by <c>--config</c>, then environment
/// variables prefixed <c>EMAILWORKER__</c> (e.g. <c>EMAILWORKER__SMTP__HOST</c>), so secrets injected by a supervisor win.
/// </summary>
internal static class WorkerConfiguration
{
    public const string EnvironmentPrefix = "EMAILWORKER__";

    /// <summary>The <c>--config</c> file of this invocation, set once by <see cref="Program"/> before any command runs.</summary>
    public static string? ConfigFile { get; set; }

    public static string EnvironmentName =>
        Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") is { Length: > 0 } name ? name : "Production";

    public static void AddSources(IConfigurationBuilder configuration)
    {
        configuration
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: false, reloadOnChange: false)
            .AddJsonFile($"appsettings.{EnvironmentName}.json", optional: true, reloadOnChange: false);
        if (ConfigFile is not null)
            configuration.AddJsonFile(Path.GetFullPath(ConfigFile), optional: false, reloadOnChange: false);
        configuration.AddEnvironmentVariables(EnvironmentPrefix);
    }
}
