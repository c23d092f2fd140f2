using Microsoft.Extensions.Configuration;


namespace EmailWorker.Configuration;

/// <summary>
/// Where configuration comes from, for every subcommand, later sources overriding earlier ones: <c>appsettings.json</c> next to
/// the executable (a copy of the one at the repo root), <c>appsettings.{Environment}.json</c> beside it when present (the
/// environment from <c>DOTNET_ENVIRONMENT</c>, default <c>Production</c>), the file named by <c>--config</c>, then environment
/// variables prefixed <c>EMAILWORKER__</c> (e.g. <c>EMAILWORKER__SMTP__HOST</c>), so secrets injected by a supervisor win.
/// Loaded once per process, by the command that runs; its options are bound and checked by <see cref="ValidatedOptions"/>.
/// </summary>
internal static class WorkerConfiguration
{
    public const string EnvironmentPrefix = "EMAILWORKER__";

    public static string EnvironmentName =>
        Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") is { Length: > 0 } name ? name : "Production";

    /// <summary>The configuration of this invocation; <paramref name="configFile"/> is its <c>--config</c> file, if any.</summary>
    public static IConfigurationRoot Load(string? configFile)
    {
        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: false, reloadOnChange: false)
            .AddJsonFile($"appsettings.{EnvironmentName}.json", optional: true, reloadOnChange: false);
        if (configFile is not null)
            configuration.AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: false);
        configuration.AddEnvironmentVariables(EnvironmentPrefix);
        return configuration.Build();
    }
}
