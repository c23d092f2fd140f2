using Microsoft.Extensions.Configuration;

namespace EmailWorker.Hosting;

/// <summary>
/// Where configuration comes from, for every subcommand: <c>appsettings.json</c> next to the executable (a copy of the one at
/// the repo root), then environment variables prefixed <c>EMAILWORKER__</c> (e.g. <c>EMAILWORKER__SMTP__HOST</c>).
/// </summary>
internal static class WorkerConfiguration
{
    public const string EnvironmentPrefix = "EMAILWORKER__";

    public static void AddSources(IConfigurationBuilder configuration) =>
        configuration
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: false, reloadOnChange: false)
            .AddEnvironmentVariables(EnvironmentPrefix);
}
