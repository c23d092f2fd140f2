using System.Net;
using EmailWorker.Broker;
using EmailWorker.DeadLetters.Store;
using EmailWorker.Diagnostics;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serilog;

namespace EmailWorker.Dashboard;

/// <summary>
/// The dashboard's web application: Kestrel on <c>Dashboard:Urls</c>, cookie log-in with the two roles, the security
/// headers, and the pages. Viewer pages need a log-in; everything under <c>/actions</c> needs the operator role (403
/// otherwise, whatever the page showed) and a CSRF token.
/// </summary>
internal static class DashboardHost
{
    /// <summary>
    /// The application on the command's <paramref name="context"/>: its configuration and options, bound once by the command,
    /// are what the pages and the replay jobs use (each job and overview opens a broker connection of its own from it).
    /// </summary>
    public static WebApplication Build(OperatorContext context, DashboardOptions options, IDeadLetterStore store, Uri? metricsUrl)
    {
        var configuration = context.Configuration;
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseKestrelCore().UseUrls([.. options.UrlList]);
        builder.Configuration.AddConfiguration(configuration);
        var observability = context.Observability;
        // Data protection warns that keys are stored unencrypted: they are kept in the dead-letter store (StoreKeys), as secret as the letters.
        builder.Services.AddSerilog((_, logger) => logger.ReadFrom.Configuration(configuration)
            .MinimumLevel.Override("Microsoft.AspNetCore.DataProtection", Serilog.Events.LogEventLevel.Error).WriteToConsole(observability));
        builder.Services.AddRoutingCore();
        builder.Services.Configure<ForwardedHeadersOptions>(forwarded => TrustProxies(forwarded, options));
        builder.Services.AddDataProtection().SetApplicationName("emailworker-dashboard");
        builder.Services.Configure<KeyManagementOptions>(keys => keys.XmlRepository = new StoreKeys(store, TimeProvider.System));
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(cookie =>
        {
            cookie.Cookie.Name = "emailworker.dashboard";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            // Secure whenever the browser reached us over https: directly, or through a trusted proxy (forwarded headers).
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.ExpireTimeSpan = TimeSpan.FromHours(8);
            cookie.LoginPath = "/login";
            // A viewer's post to an action is refused outright, not sent to a page.
            cookie.Events.OnRedirectToAccessDenied = context =>
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return Task.CompletedTask;
            };
        });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(DashboardRoles.Operator, policy => policy.RequireRole(DashboardRoles.Operator))
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireRole(DashboardRoles.Viewer, DashboardRoles.Operator).Build());
        builder.Services.AddAntiforgery(antiforgery =>
        {
            antiforgery.Cookie.Name = "emailworker.csrf";
            antiforgery.Cookie.SameSite = SameSiteMode.Strict;
            antiforgery.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            antiforgery.FormFieldName = "csrf";
        });
        builder.Services.AddSingleton(context);
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ActionAudit>();
        builder.Services.AddSingleton<LoginThrottle>();
        // A replay job's publishers, on the connection of its own that the launcher opens for it.
        builder.Services.AddSingleton<Func<OperatorContext, Task<OperatorPublishing>>>(sp =>
            jobContext => OperatorPublishing.StartAsync(jobContext, sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<StatusEventPublisher>>()));
        builder.Services.AddSingleton<ReplayJobLauncher>();
        builder.Services.AddSingleton(sp => new WorkerMetricsWatch(metricsUrl, sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WorkerMetricsWatch>());

        var app = builder.Build();
        // First: everything after sees the client's address and scheme, as a trusted proxy forwarded them.
        app.UseForwardedHeaders();
        app.Use(SecurityHeaders.Apply);
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/dashboard.css", () => Results.Text(Stylesheet.Css, "text/css")).AllowAnonymous();
        LoginEndpoints.Map(app, options);
        app.MapGet("/", OverviewPage.RenderAsync);
        app.MapGet("/groups", GroupsPage.RenderAsync);
        app.MapGet("/letters", LettersPage.RenderAsync);
        app.MapGet("/letters/{letterId}", LetterDetailPage.RenderAsync);
        app.MapGet("/letters/{letterId}/body", LetterDetailPage.BodyAsync);
        app.MapGet("/jobs", JobsPage.ListAsync);
        app.MapGet("/jobs/{jobId:long}", JobsPage.ShowAsync);
        app.MapGet("/audit", AuditPage.RenderAsync);
        app.MapGet("/webhooks", WebhooksPage.RenderAsync);
        app.MapGet("/suppressions", SuppressionsPage.RenderAsync);
        app.MapGet("/scheduled", ScheduledPage.RenderAsync);
        ActionEndpoints.Map(app);
        LetterEditEndpoints.Map(app);
        WebhookActions.Map(app);
        SuppressionActions.Map(app);
        ScheduledActions.Map(app);
        return app;
    }

    /// <summary>
    /// Believe X-Forwarded-For/-Proto from the configured proxies only. ASP.NET Core trusts loopback by default; that
    /// is dropped, so that with no proxy configured nobody can claim another address or https.
    /// </summary>
    private static void TrustProxies(ForwardedHeadersOptions forwarded, DashboardOptions options)
    {
        forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
        forwarded.KnownProxies.Clear();
        forwarded.KnownIPNetworks.Clear();
        foreach (var proxy in options.ProxyList)
        {
            if (IPAddress.TryParse(proxy, out var address))
                forwarded.KnownProxies.Add(address);
            else
                forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(proxy));
        }
    }
}
