using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prometheus;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;
using Weixin.Inbox.Contracts.Diagnostics;

namespace Weixin.Inbox.ServiceDefaults;

/// <summary>
/// What every service (PublicInbox, IntranetPoller, CrmApp) sets up the same way: Serilog (console, and JSON lines
/// to a file when <c>Logging:JsonFile</c> is set), the correlation id on every log line and outgoing call, request
/// logging without query strings, Prometheus <c>/metrics</c> with HTTP request metrics, and the <c>/healthz</c> and
/// <c>/readyz</c> probes.
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>The console line layout (the correlation id, when there is one, at the end).</summary>
    public const string ConsoleTemplate =
        "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {SourceContext}: {Message:lj}{CorrelationSuffix}{NewLine}{Exception}";

    /// <summary>The bootstrap logger for start-up and commands, until the host's logger takes over.</summary>
    public static void CreateBootstrapLogger() =>
        Log.Logger = new LoggerConfiguration().WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}", formatProvider: CultureInfo.InvariantCulture).CreateBootstrapLogger();

    /// <summary>
    /// The builder every service starts from: ASP.NET Core's slim builder, plus what of the full one a service can use:
    /// HTTPS endpoints in Kestrel's configuration (the identity provider terminates TLS itself, DEPLOY.md) and routing's
    /// regex constraints (the inbox's <c>MP_verify_</c> route).
    /// </summary>
    /// <remarks>
    /// Note: the full builder also wires up what no service here uses: IIS integration, HTTP/3 over QUIC, the
    /// Console/Debug/EventSource logging providers (Serilog replaces the logger factory), static web assets (no service
    /// has a wwwroot) and host filtering (no <c>AllowedHosts</c>: any host). Each of those loads code at start-up that
    /// stays resident (issue 14 item 5, at most 150 MB per service).
    /// </remarks>
    public static WebApplicationBuilder CreateServiceBuilder(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.Services.AddRouting();
        return builder;
    }

    /// <summary>
    /// Serilog for the host. Quiet defaults (framework request lines carry query strings with codes and tickets),
    /// adjustable through <c>Serilog:MinimumLevel:*</c>; <c>Logging:JsonFile</c> (default: unset = off) adds a
    /// compact-JSON file (one event per line, every property including <c>CorrelationId</c>).
    /// </summary>
    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder)
    {
        var jsonFile = builder.Configuration["Logging:JsonFile"];
        // Note: the hosted logger is kept apart from the static bootstrap logger (preserveStaticLogger), so several
        // hosts in one test process do not fight over Log.Logger.
        builder.Services.AddSerilog((services, logger) =>
        {
            logger
                .MinimumLevel.Information()
                .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
                .MinimumLevel.Override("Microsoft.EntityFrameworkCore", LogEventLevel.Warning)
                .MinimumLevel.Override("System.Net.Http.HttpClient", LogEventLevel.Warning)
                .MinimumLevel.Override("Polly", LogEventLevel.Fatal) // Note: every failed attempt would warn; callers log outages once.
                .MinimumLevel.Override("Quartz", LogEventLevel.Warning)
                // Note: a degraded check (the inbox's silent poller) would warn at every probe; /readyz and /metrics tell it.
                .MinimumLevel.Override("Microsoft.Extensions.Diagnostics.HealthChecks", LogEventLevel.Error)
                // Note: configuration sets levels only (Serilog:MinimumLevel:*). Serilog's own assembly is named, so it does not
                // scan the dependency context (deps.json) for sink assemblies at every start (issue 14: 3 MB, some CPU), and
                // a sink added by configuration would sit outside the sub-logger below, without the enricher that hides
                // secrets in request paths: the sinks are this code's.
                .ReadFrom.Configuration(builder.Configuration, new Serilog.Settings.Configuration.ConfigurationReaderOptions(typeof(Log).Assembly))
                .ReadFrom.Services(services)
                .Enrich.FromLogContext()
                .Enrich.With<CorrelationSuffixEnricher>()
                // Note: the sinks sit in a sub-logger so that its enricher runs after the framework's request scope
                // has added RequestPath to the event (a root enricher runs before it), and can hide secrets in it.
                .WriteTo.Logger(sinks =>
                {
                    // Note: the enricher runs here, on the request's thread (it reads the HttpContext); formatting and
                    // writing run on the async sink's thread, so a request no longer waits for the console or the file
                    // (issue 14: ingest). blockWhenFull: a burst slows requests down rather than dropping lines; the
                    // host disposes this logger when it stops, which writes out what is still queued.
                    sinks.MinimumLevel.Verbose()
                        .Enrich.With(new SecretRouteValues.PathEnricher(services.GetRequiredService<IHttpContextAccessor>()))
                        .WriteTo.Async(
                            write =>
                            {
                                write.Console(outputTemplate: ConsoleTemplate, formatProvider: CultureInfo.InvariantCulture);
                                if (!string.IsNullOrWhiteSpace(jsonFile))
                                {
                                    write.File(new CompactJsonFormatter(), jsonFile, shared: true);
                                }
                            },
                            blockWhenFull: true);
                });
        }, preserveStaticLogger: true);
        builder.Services.AddHttpContextAccessor();
        // Note: the probes are mapped for every service; each adds its readiness checks (AddDatabaseHealthCheck).
        builder.Services.AddHealthChecks();
        return builder;
    }

    /// <summary>
    /// Correlation ids (before anything logs), request logging (path without query string, status, time, and the
    /// correlation id) and HTTP request metrics. Call first in the pipeline. <paramref name="trustIncomingCorrelation"/>
    /// says which requests may bring their own <c>X-Correlation-Id</c> (default: all).
    /// </summary>
    public static WebApplication UseServiceDefaults(this WebApplication app, Func<HttpContext, bool>? trustIncomingCorrelation = null)
    {
        // Note: here rather than in each Program.cs: every service calls this once, after its settings check.
        app.CompactHeapAfterStartAndWhenIdle();
        app.UseCorrelation(trustIncomingCorrelation);
        // Note: the completion line is written inside UseCorrelation, so the enricher puts the id on it too.
        app.UseSerilogRequestLogging(options =>
        {
            options.Logger = app.Services.GetService<Serilog.ILogger>();
            // Note: a path may carry a secret (a login id); endpoints mark such route values with SecretRouteValues.
            options.GetMessageTemplateProperties = SecretRouteValues.TemplateProperties;
            // Note: Serilog's default levels (Error for ≥ 500 or an exception, else Information), except for the 2xx/3xx
            // of endpoints marked QuietRequestLog, which log what they did themselves.
            options.GetLevel = QuietRequestLog.Level;
        });
        app.UseHttpMetrics();
        return app;
    }

    /// <summary>
    /// Runs <paramref name="update"/> (in its own DI scope) before each <c>/metrics</c> scrape, for gauges read from the
    /// database so they are true across several instances, at most once per <c>Metrics:GaugeRefreshInterval</c>
    /// (default 00:00:05). A failure keeps the last values: a scrape must still answer while MySQL is down or the host
    /// is stopping.
    /// </summary>
    public static WebApplication UpdateBeforeScrape(this WebApplication app, string what, Func<IServiceProvider, CancellationToken, Task> update)
    {
        var scopes = app.Services.GetRequiredService<IServiceScopeFactory>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Weixin.Inbox.Metrics");
        var time = app.Services.GetService<TimeProvider>() ?? TimeProvider.System;
        // Note: a scrape storm must not become a database storm: the values are re-read at most this often.
        var interval = app.Configuration.GetValue("Metrics:GaugeRefreshInterval", TimeSpan.FromSeconds(5));
        var gate = new SemaphoreSlim(1, 1);
        var lastRead = DateTimeOffset.MinValue;
        Metrics.DefaultRegistry.AddBeforeCollectCallback(async cancellationToken =>
        {
            if (!await gate.WaitAsync(0, cancellationToken))
            {
                return; // Note: another scrape is reading them right now; this one shows the last values.
            }

            try
            {
                if (time.GetUtcNow() - lastRead < interval)
                {
                    return;
                }

                lastRead = time.GetUtcNow();
                await using var scope = scopes.CreateAsyncScope();
                await update(scope.ServiceProvider, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                logger.LogDebug(ex, "Could not read the {What} for /metrics", what);
            }
            finally
            {
                gate.Release();
            }
        });
        return app;
    }

    /// <summary>
    /// Maps <c>/healthz</c> and <c>/readyz</c> (see <see cref="HealthCheckExtensions"/>) and <c>/metrics</c> (Prometheus
    /// text format, no secrets; the public inbox serves it only to <c>Admin:AllowedNetworks</c>).
    /// </summary>
    public static IEndpointRouteBuilder MapServiceDefaults(this IEndpointRouteBuilder app, bool shortCircuitProbes = false)
    {
        app.MapHealthProbes(shortCircuitProbes);
        app.MapMetrics("/metrics");
        return app;
    }
}
