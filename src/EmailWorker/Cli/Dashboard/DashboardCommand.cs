using System.CommandLine;
using EmailWorker.DeadLetters.Views;
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
        command.SetAction((_, cancellationToken) => CommandRunner.RunAsync(async (context, token) =>
        {
            var builder = new ConfigurationBuilder();
            WorkerConfiguration.AddSources(builder);
            var configuration = builder.Build();
            var options = Read(configuration);
            await using var store = await DeadLetterStoreSession.OpenAsync(context, drain: false, token);
            await using var app = DashboardHost.Build(configuration, options, store, MetricsUrl(options, configuration));
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
        var options = new DashboardOptions();
        try
        {
            configuration.GetSection(DashboardOptions.Section).Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            throw new OperatorException($"Invalid configuration: {ex.Message}", ExitCodes.Usage);
        }
        var result = new DashboardOptionsValidator().Validate(null, options);
        return result.Failed ? throw new OperatorException($"Invalid configuration: {string.Join("; ", result.Failures)}", ExitCodes.Usage) : options;
    }

    /// <summary><c>Dashboard:MetricsUrl</c>, else the worker's own listener from the shared configuration, else none.</summary>
    private static Uri? MetricsUrl(DashboardOptions options, IConfiguration configuration)
    {
        if (options.MetricsUrl.Length > 0)
            return new Uri(options.MetricsUrl);
        var observability = configuration.GetSection(ObservabilityOptions.Section).Get<ObservabilityOptions>() ?? new ObservabilityOptions();
        return observability.UrlList.Count > 0 && Uri.TryCreate(observability.UrlList[0].TrimEnd('/') + "/metrics", UriKind.Absolute, out var url) ? url : null;
    }
}
