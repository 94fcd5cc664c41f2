using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Weixin.Inbox.ServiceDefaults;

/// <summary>
/// The probes, the framework's way (<c>AddHealthChecks</c>, <c>MapHealthChecks</c>): <c>/healthz</c> is liveness and runs
/// no check (200 "ok" while the process serves requests); <c>/readyz</c> runs every check tagged <see cref="ReadyTag"/>
/// and answers 200 when none is unhealthy (degraded included), else 503, with a small JSON body and no secrets:
/// <c>{"status":"ok","database":"ok"}</c>, plus whatever a service's own checks add (the inbox: <c>poller</c>,
/// <c>pollerLastSeenAt</c>).
/// </summary>
public static class HealthCheckExtensions
{
    /// <summary>The tag of the checks <c>/readyz</c> runs.</summary>
    public const string ReadyTag = "ready";

    /// <summary>The name of the database check (its property in the <c>/readyz</c> body).</summary>
    public const string DatabaseCheck = "database";

    /// <summary>
    /// The <see cref="HealthCheckResult.Data"/> key by which a check names its state in the body (e.g. <c>silent</c>);
    /// without it a check shows as <c>ok</c>, <c>degraded</c> or <c>unreachable</c>. Its other data entries follow as
    /// <c>{check}{Key}</c> (check <c>poller</c>, key <c>LastSeenAt</c>: <c>pollerLastSeenAt</c>).
    /// </summary>
    public const string StateKey = "state";

    /// <summary>How long the database check may take before the database counts as unreachable (3 s).</summary>
    public static readonly TimeSpan DatabaseTimeout = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Adds the readiness check <c>database</c>: EF Core's <c>AddDbContextCheck</c> (can <typeparamref name="TContext"/>
    /// connect?) within <see cref="DatabaseTimeout"/>. Returns the builder for a service's own checks.
    /// </summary>
    public static IHealthChecksBuilder AddDatabaseHealthCheck<TContext>(this IHostApplicationBuilder builder)
        where TContext : DbContext
    {
        var checks = builder.Services.AddHealthChecks().AddDbContextCheck<TContext>(DatabaseCheck, HealthStatus.Unhealthy, [ReadyTag]);
        // Note: AddDbContextCheck takes no timeout; a load balancer's probe must get its answer before its own timeout.
        builder.Services.Configure<HealthCheckServiceOptions>(o =>
        {
            foreach (var registration in o.Registrations.Where(r => r.Name == DatabaseCheck))
            {
                registration.Timeout = DatabaseTimeout;
            }
        });
        return checks;
    }

    /// <summary>Maps <c>/healthz</c> (liveness) and <c>/readyz</c> (readiness), both anonymous.</summary>
    /// <param name="app">The application.</param>
    /// <param name="shortCircuit">Answer the probes right after routing, before every other middleware (request log,
    /// authentication): for a service whose authentication handler does work of its own at every request.</param>
    public static IEndpointRouteBuilder MapHealthProbes(this IEndpointRouteBuilder app, bool shortCircuit = false)
    {
        var liveness = app.MapHealthChecks("/healthz", new HealthCheckOptions
        {
            // Note: liveness must not depend on MySQL: an orchestrator would restart every instance while the database is down.
            Predicate = _ => false,
            ResponseWriter = (http, _) => WriteTextAsync(http, "ok"),
        }).AllowAnonymous();
        var readiness = app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = registration => registration.Tags.Contains(ReadyTag),
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                // Note: degraded is still ready: the inbox must go on storing WeChat's callbacks while the poller is silent.
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
            ResponseWriter = WriteReadinessAsync,
        }).AllowAnonymous();
        if (shortCircuit)
        {
            liveness.ShortCircuit();
            readiness.ShortCircuit();
        }

        return app;
    }

    /// <summary>
    /// The <c>/readyz</c> body: the overall <c>status</c>, then each check by name with its state and its data. Never a
    /// description or an exception: they may carry host names or connection details.
    /// </summary>
    public static async Task WriteReadinessAsync(HttpContext http, HealthReport report)
    {
        // Note: written to a buffer first: JsonSerializer flushes the writer synchronously, and Kestrel refuses
        // synchronous writes to the response.
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("status", report.Status switch
            {
                HealthStatus.Healthy => "ok",
                HealthStatus.Degraded => "degraded",
                _ => "unavailable",
            });
            foreach (var (name, entry) in report.Entries)
            {
                json.WriteString(name, entry.Data.TryGetValue(StateKey, out var state) && state is string s ? s : Word(entry.Status));
                foreach (var (key, value) in entry.Data.Where(d => d.Key != StateKey))
                {
                    json.WritePropertyName(name + key);
                    JsonSerializer.Serialize(json, value, value.GetType());
                }
            }

            json.WriteEndObject();
        }

        http.Response.ContentType = "application/json; charset=utf-8";
        await http.Response.Body.WriteAsync(buffer.WrittenMemory, http.RequestAborted);
    }

    private static string Word(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "ok",
        HealthStatus.Degraded => "degraded",
        // Note: every readiness check here is a dependency (MySQL): unhealthy means it did not answer in time.
        _ => "unreachable",
    };

    private static Task WriteTextAsync(HttpContext http, string text)
    {
        http.Response.ContentType = "text/plain; charset=utf-8";
        return http.Response.WriteAsync(text, http.RequestAborted);
    }
}
