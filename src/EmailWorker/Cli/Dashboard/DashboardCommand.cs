using System.CommandLine;
using EmailWorker.Configuration;
using EmailWorker.Diagnostics;
using EmailWorker.Dashboard;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EmailWorker.Cli.Dashboard;

/// <summary>
/// <c>emailworker dashboard</c>: the operator web dashboard on the dead-letter store and the broker, until Ctrl+C or
/// SIGTERM. Its configuration is checked first (no user configured: exit 2), like every command's.
/// </summary>
internal static class DashboardCommand
{
    public static Command Create()
    {
        var command = new Command("dashboard", "Serve the operator web dashboard (localhost by default): queues, dead letters, groups, replay and purge, audit log.")
        {
            HashPasswordCommand.Create(),
        };
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(parse, async (context, token) =>
        {
            var options = Read(context.Configuration);
            await using var store = await DeadLetterStoreSession.OpenAsync(context, drain: false, token);
            await using var app = DashboardHost.Build(context, options, store, MetricsUrl(options, context.Observability));
            try
            {
                await app.StartAsync(token);
            }
            catch (IOException ex)
            {
                throw new OperatorException($"the dashboard cannot listen on {options.Urls}: {ex.Message}; choose a free port in Dashboard:Urls (EMAILWORKER__DASHBOARD__URLS)");
            }
            Log.DashboardListening(app.Services.GetRequiredService<ILogger<DashboardOptions>>(), options.Urls, options.Users.Count, store.Description);
            // The host's console lifetime turns Ctrl+C and SIGTERM into a stop; running replay jobs end after their window.
            await app.WaitForShutdownAsync(token);
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    private static DashboardOptions Read(IConfiguration configuration)
    {
        var problems = new List<string>();
        var options = ValidatedOptions.Bind<DashboardOptions, DashboardOptionsValidator>(configuration, DashboardOptions.Section, problems);
        return problems.Count > 0 ? throw new OperatorException($"Invalid configuration: {string.Join("; ", problems)}", ExitCodes.Usage) : options;
    }

    /// <summary><c>Dashboard:MetricsUrl</c>, else the worker's own listener from the shared configuration, else none.</summary>
    private static Uri? MetricsUrl(DashboardOptions options, ObservabilityOptions observability)
    {
        if (options.MetricsUrl.Length > 0)
            return new Uri(options.MetricsUrl);
        return observability.UrlList.Count > 0 && Uri.TryCreate(observability.UrlList[0].TrimEnd('/') + "/metrics", UriKind.Absolute, out var url) ? url : null;
    }
}
