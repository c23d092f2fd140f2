using EmailWorker.Configuration;
using EmailWorker.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Options;
using Serilog;
using SerilogLog = Serilog.Log;

namespace EmailWorker.Hosting;

/// <summary>The worker's host (<c>emailworker run</c>): built from configuration, run until SIGTERM or Ctrl+C, then drained; the exit code.</summary>
internal static class WorkerHost
{
    /// <summary>Runs the worker on the configuration loaded with <paramref name="configFile"/> (<c>--config</c>).</summary>
    public static async Task<int> RunAsync(string? configFile)
    {
        // Until configuration is read, failures still need a place to go.
        SerilogLog.Logger = new LoggerConfiguration().WriteTo.Console().CreateBootstrapLogger();
        try
        {
            using var host = BuildHost(WorkerConfiguration.Load(configFile));
            // Taken before running: RunAsync disposes the host's services when it returns.
            var fatalStop = host.Services.GetRequiredService<FatalStop>();
            await host.RunAsync();
            if (fatalStop.Reason is { } reason)
            {
                SerilogLog.Fatal("The worker stopped: {Reason}", reason);
                return fatalStop.ExitCode;
            }
            return ExitCodes.Ok;
        }
        catch (OptionsValidationException ex)
        {
            SerilogLog.Fatal("Invalid configuration: {Problems}", string.Join("; ", ex.Failures));
            return ExitCodes.Usage;
        }
        catch (InvalidOperationException ex) when (ex.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal))
        {
            // The binder's own words for a value of the wrong type (an empty Smtp:Port, a word where a number goes), as the commands report them.
            SerilogLog.Fatal("Invalid configuration: {Problems}", ex.Message);
            return ExitCodes.Usage;
        }
        catch (IOException ex) when (ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
        {
            SerilogLog.Fatal("Cannot start: {Problem}; choose a free port in Observability:Urls (EMAILWORKER__OBSERVABILITY__URLS), or empty for no listener", ex.Message);
            return ExitCodes.Failure;
        }
        catch (Exception ex)
        {
            SerilogLog.Fatal(ex, "The worker stopped unexpectedly");
            return ExitCodes.Failure;
        }
        finally
        {
            await SerilogLog.CloseAndFlushAsync();
        }
    }

    /// <summary>
    /// A plain generic host, or — when <c>Observability:Urls</c> names a listener — a web application whose Kestrel serves
    /// only <c>/metrics</c> and the health checks (no routing, MVC or HTTPS defaults: start-up stays cheap).
    /// </summary>
    private static IHost BuildHost(IConfiguration configuration)
    {
        // Needed before the host exists (which host, the console's format), so bound and checked here; the other sections are
        // checked when the host starts.
        var problems = new List<string>();
        var observability = ValidatedOptions.Bind<ObservabilityOptions, ObservabilityOptionsValidator>(configuration, ObservabilityOptions.Section, problems);
        if (problems.Count > 0)
            throw new OptionsValidationException(Options.DefaultName, typeof(ObservabilityOptions), problems);
        var urls = observability.UrlList;
        if (urls.Count == 0)
        {
            var plain = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
            Configure(plain, configuration, observability, listener: false);
            return plain.Build();
        }
        var web = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        web.WebHost.UseKestrelCore().UseUrls([.. urls]);
        Configure(web, configuration, observability, listener: true);
        var app = web.Build();
        HealthEndpoints.Use(app);
        return app;
    }

    private static void Configure(IHostApplicationBuilder builder, IConfiguration configuration, ObservabilityOptions observability, bool listener)
    {
        builder.Configuration.AddConfiguration(configuration);
        // Bound from the loaded root, not from builder.Configuration: a chained configuration (up to .NET 10) reads an empty
        // value as absent, so EMAILWORKER__RETRY__MAILBOXFULL= would leave the class default where the commands, which bind the
        // root, see "" (the Schedule) — and the worker would declare retry tiers that `topology verify` does not know.
        builder.Services.AddSerilog((_, logger) => logger.ReadFrom.Configuration(configuration).WriteToBufferedConsole(observability));
        builder.Services.AddEmailWorker(configuration);
        builder.Services.AddObservability(observability, listener);
        builder.Services.AddOptions<HostOptions>().Configure<IOptions<HostingOptions>>(
            (host, hosting) => host.ShutdownTimeout = hosting.Value.ShutdownTimeoutValue);
        // Under systemd (Type=notify) the host reports ready and stopping to the service manager; elsewhere Ctrl+C/SIGTERM.
        if (SystemdHelpers.IsSystemdService())
            builder.Services.AddSystemd();
        else
            builder.Services.AddSingleton<IHostLifetime, ConsoleLifetime>();
    }
}
